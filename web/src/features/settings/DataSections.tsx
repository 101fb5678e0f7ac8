// Settings: export my data (GDPR Art. 15/20) and delete my account (Art. 17).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiProblem, api, setTokens, unwrap } from '../../api/client';
import { Field, ProblemMessage, Section, useFormat } from './ui';

/** How often a pending export is checked. */
export const EXPORT_POLL_MS = 1500;

interface SavedFile {
  url: string;
  name: string;
  size: number;
}

function filenameFrom(disposition: string | null): string {
  const m = disposition?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  return m?.[1] ? decodeURIComponent(m[1]) : 'rebloom-export.zip';
}

/** Saves a file the page already holds, through a temporary link. */
function saveFile(file: SavedFile) {
  const a = document.createElement('a');
  a.href = file.url;
  a.download = file.name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function ExportSection() {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const [exportId, setExportId] = useState<string | null>(null);
  const [file, setFile] = useState<SavedFile | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [downloading, setDownloading] = useState(false);
  const fetched = useRef<string | null>(null);

  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/me/export')),
    onSuccess: (view) => {
      fetched.current = null;
      setDownloadError(null);
      setFile(null);
      queries.setQueryData(['export', view.id], view);
      setExportId(view.id);
    },
  });
  const status = useQuery({
    queryKey: ['export', exportId],
    enabled: exportId !== null,
    queryFn: async () =>
      unwrap(await api.GET('/api/me/export/{id}', { params: { path: { id: exportId ?? '' } } })),
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? EXPORT_POLL_MS : false),
    refetchIntervalInBackground: true,
  });
  const view = exportId ? status.data : undefined;

  // Once it is ready: fetch it (with the bearer token) and save it. The server
  // hands it out once, so the page keeps the file to offer it again.
  useEffect(() => {
    if (!view || view.status !== 'ready' || fetched.current === view.id) return;
    fetched.current = view.id;
    setDownloading(true);
    void (async () => {
      try {
        const result = await api.GET('/api/me/export/{id}/download', {
          params: { path: { id: view.id } },
          parseAs: 'blob',
        });
        const blob = unwrap(result) as Blob;
        const saved = {
          url: URL.createObjectURL(blob),
          name: filenameFrom(result.response.headers.get('content-disposition')),
          size: blob.size,
        };
        setFile(saved);
        saveFile(saved);
      } catch (e) {
        setDownloadError(e);
      } finally {
        setDownloading(false);
        void queries.invalidateQueries({ queryKey: ['audit'] });
      }
    })();
  }, [view, queries]);

  useEffect(() => () => {
    if (file) URL.revokeObjectURL(file.url);
  }, [file]);

  const pending = start.isPending || view?.status === 'pending';
  let message: string | null = null;
  if (pending) message = t('export.pending');
  else if (downloading) message = t('export.downloading');
  else if (file) message = t('export.done');
  else if (view?.status === 'failed') message = null;
  else if (view && (view.status === 'downloaded' || view.status === 'expired')) message = t('export.gone');

  return (
    <Section id="settings-export" title={t('export.title')} intro={t('export.intro')}>
      <div className="row">
        <button type="button" className="primary" onClick={() => start.mutate()} disabled={pending || downloading}>
          {t('export.start')}
        </button>
      </div>
      <p role="status" className="save-status">
        {message}
      </p>
      {file && (
        <p>
          <a className="button" href={file.url} download={file.name} data-testid="export-download">
            {t('export.download', { size: f.bytes(file.size) })}
          </a>
        </p>
      )}
      {view?.status === 'failed' && (
        <div className="error-box" role="alert">
          {t('export.failed')}
        </div>
      )}
      <ProblemMessage error={start.error} />
      <ProblemMessage error={status.error} />
      <ProblemMessage
        error={downloadError}
        known={{ export_gone: t('export.gone'), export_not_ready: t('export.pending') }}
      />
    </Section>
  );
}

export function DeleteAccountSection() {
  const { t } = useTranslation('settings');
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  const openRef = useRef<HTMLButtonElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const returnFocus = useRef(false);
  const erase = useMutation({
    mutationFn: async (pw: string) => unwrap(await api.DELETE('/api/me', { body: { password: pw } })),
    onSuccess: () => {
      // Signed out here: the tokens died with the account.
      setTokens(null);
      navigate('/login', { replace: true, state: { accountDeleted: true } });
    },
  });
  useEffect(() => {
    if (open) passwordRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      openRef.current?.focus();
    }
  }, [open]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!password) {
      setMissing(true);
      passwordRef.current?.focus();
      return;
    }
    setMissing(false);
    erase.mutate(password);
  }
  const wrongPassword = erase.error instanceof ApiProblem && erase.error.code === 'reauthentication_failed';

  return (
    <Section id="settings-delete" title={t('erase.title')} className="danger-zone">
      <p>{t('erase.intro')}</p>
      <ul>
        <li>{t('erase.what1')}</li>
        <li>{t('erase.what2')}</li>
        <li>{t('erase.what3')}</li>
        <li>{t('erase.what4')}</li>
      </ul>
      <p>{t('erase.kept')}</p>
      <p>
        <strong>{t('erase.final')}</strong> {t('erase.exportFirst')}
      </p>
      {!open ? (
        <button type="button" className="danger" ref={openRef} onClick={() => setOpen(true)}>
          {t('erase.open')}
        </button>
      ) : (
        <form onSubmit={submit} className="confirm" aria-labelledby="erase-confirm-title" noValidate>
          <p id="erase-confirm-title">
            <strong>{t('erase.confirmTitle')}</strong>
          </p>
          <Field
            label={t('erase.password')}
            hint={t('erase.passwordHint')}
            error={wrongPassword ? t('erase.wrongPassword') : missing ? t('erase.passwordMissing') : undefined}
          >
            {(p) => (
              <input
                {...p}
                ref={passwordRef}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          {!wrongPassword && <ProblemMessage error={erase.error} />}
          <div className="row">
            <button type="submit" className="danger" disabled={erase.isPending}>
              {erase.isPending ? t('erase.deleting') : t('erase.confirm')}
            </button>
            <button
              type="button"
              onClick={() => {
                returnFocus.current = true;
                setPassword('');
                setMissing(false);
                erase.reset();
                setOpen(false);
              }}
            >
              {t('common:cancel')}
            </button>
          </div>
          {erase.isPending && (
            <p role="status" className="muted">
              {t('erase.deleting')}
            </p>
          )}
        </form>
      )}
    </Section>
  );
}

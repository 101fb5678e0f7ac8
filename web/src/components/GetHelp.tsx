// "Get help now": in the header of every screen, signed in or not, a dialog
// with the crisis lines of the person's country and the emergency number.
// Signed in, the lines come with their crisis state (GET /api/me/crisis, the
// country of their profile); signed out, from GET /api/safety/resources for
// the country chosen here (the browser's region to begin with, the
// international directory when unknown).
import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useCrisis } from '../app/crisis';
import { useSession } from '../app/session';
import { browserCountry } from './countries';
import { CountryOptions } from './CountryOptions';
import { CrisisLines, EmergencyText } from './CrisisLines';
import { Loading } from './Page';

export function GetHelpButton() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button ref={trigger} type="button" className="danger get-help" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('getHelp.title')}
      </button>
      {/* In the body, not the header it is opened from (whose styles are not the dialog's). */}
      {open &&
        createPortal(
          <GetHelpDialog
            onClose={() => {
              setOpen(false);
              trigger.current?.focus();
            }}
          />,
          document.body,
        )}
    </>
  );
}

function GetHelpDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { signedIn, profile } = useSession();
  const crisis = useCrisis();
  const ref = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const titleId = useId();
  // Signed in, the person's own lines; the directory where they could not be read.
  const own = signedIn ? crisis.data : undefined;
  const waiting = signedIn && crisis.isPending;
  const [country, setCountry] = useState(() => profile?.country ?? browserCountry());
  const directory = useQuery({
    queryKey: ['safety-resources', country],
    enabled: !own && !waiting,
    staleTime: Infinity,
    queryFn: async () =>
      unwrap(await api.GET('/api/safety/resources', { params: { query: country ? { country } : {} } })),
  });

  // A modal dialog where the browser has them (the page behind is inert, focus stays inside).
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute('open', '');
    }
    heading.current?.focus();
    return () => {
      if (typeof dialog.close === 'function' && dialog.open) dialog.close();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    }
  }

  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  function onClick(e: MouseEvent) {
    if (e.target === ref.current) onClose();
  }

  const lines = own
    ? { emergencyNumber: own.emergencyNumber, resources: own.resources }
    : directory.data
      ? { emergencyNumber: directory.data.emergencyNumber, resources: directory.data.lines }
      : null;
  return (
    <dialog
      ref={ref}
      className="get-help-dialog"
      aria-labelledby={titleId}
      onKeyDown={onKeyDown}
      onClick={onClick}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="get-help-content">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          {t('getHelp.title')}
        </h2>
        {!own && !waiting && (
          <div className="field">
            <label htmlFor={`${titleId}-country`}>{t('getHelp.country')}</label>
            <select id={`${titleId}-country`} value={country} onChange={(e) => setCountry(e.target.value)}>
              <CountryOptions none={t('getHelp.anywhere')} />
            </select>
          </div>
        )}
        {lines ? (
          <>
            <EmergencyText number={lines.emergencyNumber} />
            <CrisisLines resources={lines.resources} />
          </>
        ) : directory.isError ? (
          <>
            <p role="alert">{t('getHelp.failed')}</p>
            <EmergencyText />
            <p>{t('crisis.international')}</p>
          </>
        ) : (
          <Loading />
        )}
        <div className="row">
          <button type="button" onClick={onClose}>
            {t('close')}
          </button>
        </div>
      </div>
    </dialog>
  );
}

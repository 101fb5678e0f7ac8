// /memories: what Rebloom remembers and why, and the person's control over it.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { Confirm, Field, Loading, ProblemMessage, SaveStatus, Section, useFieldError, useFormat } from './ui';

export const MEMORY_KINDS = ['person', 'goal', 'stressor', 'coping', 'note'] as const;
const MAX_CONTENT = 500;
const MAX_TOPICS = 50;
const MAX_TOPIC = 100;

function useMemories() {
  return useQuery({
    queryKey: ['memories'],
    queryFn: async () => unwrap(await api.GET('/api/me/memories')),
  });
}

/** After any change: the list, the settings and the profile (memory on/off lives there too). */
function useRefresh() {
  const queries = useQueryClient();
  return () => {
    void queries.invalidateQueries({ queryKey: ['memories'] });
    void queries.invalidateQueries({ queryKey: ['profile'] });
  };
}

/** The kind of a memory, chosen from the kinds the server keeps. */
function KindField({ kind, setKind, error }: { kind: string; setKind: (k: string) => void; error?: string }) {
  const { t } = useTranslation('settings');
  return (
    <Field label={t('memories.kind')} error={error}>
      {(p) => (
        <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
          {MEMORY_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kinds.${k}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function MemoriesPage() {
  const { t } = useTranslation('settings');
  const memories = useMemories();
  return (
    <Page title={t('memories.title')}>
      <p>{t('memories.intro')}</p>
      {memories.isPending ? (
        <Loading />
      ) : memories.isError ? (
        <ErrorMessage error={memories.error} />
      ) : (
        <>
          <MemorySettings settings={memories.data.settings} />
          <NeverRemember topics={memories.data.settings.neverRemember} />
          <MemoryList memories={memories.data.memories} enabled={memories.data.settings.enabled} />
          <AddMemory enabled={memories.data.settings.enabled} />
          <ForgetEverything count={memories.data.memories.length} />
        </>
      )}
    </Page>
  );
}

function MemorySettings({ settings }: { settings: Schemas['SettingsView'] }) {
  const { t } = useTranslation('settings');
  const refresh = useRefresh();
  const queries = useQueryClient();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [paused, setPaused] = useState(settings.paused);
  const save = useMutation({
    mutationFn: async (body: Schemas['SettingsChange']) => unwrap(await api.PUT('/api/me/memories/settings', { body })),
    onSuccess: (v) => {
      queries.setQueryData<Schemas['MemoriesView']>(['memories'], (old) => (old ? { ...old, settings: v } : old));
      refresh();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ enabled, paused });
  }
  return (
    <Section id="memory-settings" title={t('memories.settingsTitle')}>
      <form onSubmit={submit}>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          <span>
            {t('memories.enabled')}
            <span className="hint block">{t('memories.enabledHint')}</span>
          </span>
        </label>
        <label className="check">
          <input type="checkbox" checked={paused} disabled={!enabled} onChange={(e) => setPaused(e.target.checked)} />
          <span>
            {t('memories.paused')}
            <span className="hint block">{t('memories.pausedHint')}</span>
          </span>
        </label>
        <ProblemMessage error={save.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('memories.saveSettings')}
          </button>
        </div>
        <SaveStatus saved={save.isSuccess} />
      </form>
    </Section>
  );
}

function NeverRemember({ topics: initial }: { topics: string[] }) {
  const { t } = useTranslation('settings');
  const refresh = useRefresh();
  const queries = useQueryClient();
  const [topics, setTopics] = useState<string[]>(initial);
  const [draft, setDraft] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (neverRemember: string[]) =>
      unwrap(await api.PUT('/api/me/memories/settings', { body: { neverRemember } })),
    onSuccess: (v) => {
      setTopics(v.neverRemember);
      queries.setQueryData<Schemas['MemoriesView']>(['memories'], (old) => (old ? { ...old, settings: v } : old));
      refresh();
    },
  });
  const fe = useFieldError(save.error);

  function add() {
    const topic = draft.trim();
    setLocalError(null);
    if (!topic) return;
    if (topic.length > MAX_TOPIC) {
      setLocalError(t('memories.topicTooLong', { max: MAX_TOPIC }));
      return;
    }
    if (topics.length >= MAX_TOPICS) {
      setLocalError(t('memories.tooManyTopics', { max: MAX_TOPICS }));
      return;
    }
    if (!topics.some((x) => x.toLowerCase() === topic.toLowerCase())) setTopics([...topics, topic]);
    setDraft('');
    save.reset();
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate(topics);
  }

  return (
    <Section id="memory-never" title={t('memories.neverTitle')} intro={t('memories.neverIntro')}>
      {topics.length === 0 ? (
        <p className="muted">{t('memories.neverEmpty')}</p>
      ) : (
        <ul className="chips" aria-label={t('memories.neverTitle')}>
          {topics.map((topic) => (
            <li key={topic} className="chip">
              <span>{topic}</span>
              <button
                type="button"
                className="link"
                onClick={() => {
                  setTopics(topics.filter((x) => x !== topic));
                  save.reset();
                }}
              >
                {t('memories.removeTopic')}
                {' '}<span className="visually-hidden">{topic}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} noValidate>
        <Field label={t('memories.topic')} hint={t('memories.topicHint')} error={localError ?? fe('neverRemember')}>
          {(p) => (
            <div className="input-with-button">
              <input
                {...p}
                maxLength={MAX_TOPIC}
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    add();
                  }
                }}
              />
              <button type="button" onClick={add}>
                {t('memories.addTopic')}
              </button>
            </div>
          )}
        </Field>
        <ProblemMessage error={save.error} />
        <div className="row">
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('memories.saveNever')}
          </button>
        </div>
        <SaveStatus saved={save.isSuccess} />
      </form>
    </Section>
  );
}

function MemoryList({ memories, enabled }: { memories: Schemas['MemoryView'][]; enabled: boolean }) {
  const { t } = useTranslation('settings');
  const [status, setStatus] = useState<string | null>(null);
  return (
    <Section id="memory-list" title={t('memories.listTitle', { count: memories.length })}>
      {!enabled && <p className="muted">{t('memories.offNote')}</p>}
      {memories.length === 0 ? (
        <p>{t('memories.empty')}</p>
      ) : (
        <ul className="plain-list">
          {memories.map((m) => (
            <MemoryItem key={m.id} memory={m} onDone={setStatus} />
          ))}
        </ul>
      )}
      <SaveStatus saved={status !== null} text={status ?? undefined} />
    </Section>
  );
}

function MemoryItem({ memory: m, onDone }: { memory: Schemas['MemoryView']; onDone: (status: string) => void }) {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const refresh = useRefresh();
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(m.content);
  const [kind, setKind] = useState(m.kind);
  const edit = useMutation({
    mutationFn: async (body: Schemas['MemoryEdit']) =>
      unwrap(await api.PATCH('/api/me/memories/{id}', { params: { path: { id: m.id } }, body })),
    onSuccess: () => {
      setEditing(false);
      onDone(t('common:saved'));
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/me/memories/{id}', { params: { path: { id: m.id } } })),
    onSuccess: () => {
      queries.setQueryData<Schemas['MemoriesView']>(['memories'], (old) =>
        old ? { ...old, memories: old.memories.filter((x) => x.id !== m.id) } : old,
      );
      onDone(t('memories.deleted'));
      // The item is gone: keep the keyboard in the list rather than lost on the page.
      document.getElementById('memory-list-title')?.focus();
      refresh();
    },
  });
  const fe = useFieldError(edit.error);
  const kindLabel = t(`kinds.${m.kind}`, { defaultValue: m.kind });

  if (editing) {
    return (
      <li className="list-item">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate({ content: content.trim(), kind: kind as Schemas['MemoryKind'] });
          }}
          noValidate
        >
          <KindField kind={kind} setKind={setKind} error={fe('kind')} />
          <Field label={t('memories.content')} error={fe('content')}>
            {(p) => (
              <textarea {...p} maxLength={MAX_CONTENT} value={content} onChange={(e) => setContent(e.target.value)} autoFocus />
            )}
          </Field>
          <ProblemMessage error={edit.error} />
          <div className="row">
            <button type="submit" className="primary" disabled={edit.isPending}>
              {t('memories.saveEdit')}
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                setContent(m.content);
                setKind(m.kind);
                edit.reset();
              }}
            >
              {t('common:cancel')}
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li className="list-item memory">
      <p className="memory-content">
        <span className="badge">{kindLabel}</span> {m.content}
      </p>
      <p className="hint">
        {m.origin === 'person' ? t('memories.byYou') : t('memories.learnt')}
        {' · '}
        {t('memories.mentioned', { count: m.mentionCount })}
        {' · '}
        {t('memories.firstNoted', { date: f.date(m.createdAt) })}
        {' · '}
        {t('memories.lastSeen', { date: f.date(m.lastSeenAt) })}
      </p>
      {m.sources.length > 0 && (
        <details>
          <summary>{t('memories.why', { count: m.sources.length })}</summary>
          <ul className="sources">
            {m.sources.map((s) => (
              <li key={s.messageId}>
                <span className="hint">{f.dateTime(s.at)}</span>{' '}
                {s.excerpt ? <q>{s.excerpt}</q> : <span className="muted">{t('memories.sourceGone')}</span>}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="row">
        <button type="button" onClick={() => setEditing(true)}>
          {t('common:edit')}
          <span className="visually-hidden">: {m.content}</span>
        </button>
        <Confirm
          trigger={
            <>
              {t('common:delete')}
              <span className="visually-hidden">: {m.content}</span>
            </>
          }
          question={t('memories.deleteQuestion', { content: m.content })}
          confirmLabel={t('memories.deleteConfirm')}
          busy={remove.isPending}
          onConfirm={() => remove.mutateAsync()}
        />
      </div>
      <ErrorMessage error={remove.error} />
    </li>
  );
}

function AddMemory({ enabled }: { enabled: boolean }) {
  const { t } = useTranslation('settings');
  const refresh = useRefresh();
  const [content, setContent] = useState('');
  const [kind, setKind] = useState<string>('note');
  const add = useMutation({
    mutationFn: async (body: Schemas['NewMemory']) => unwrap(await api.POST('/api/me/memories', { body })),
    onSuccess: () => {
      setContent('');
      refresh();
    },
  });
  const fe = useFieldError(add.error);
  return (
    <Section id="memory-add" title={t('memories.addTitle')} intro={t('memories.addIntro')}>
      {!enabled && <p className="muted">{t('memories.addOff')}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate({ content: content.trim(), kind: kind as Schemas['MemoryKind'] });
        }}
        noValidate
      >
        <KindField kind={kind} setKind={setKind} error={fe('kind')} />
        <Field label={t('memories.content')} hint={t('memories.contentHint', { max: MAX_CONTENT })} error={fe('content')}>
          {(p) => <textarea {...p} maxLength={MAX_CONTENT} value={content} onChange={(e) => setContent(e.target.value)} />}
        </Field>
        <ProblemMessage error={add.error} known={{ memory_disabled: t('memories.disabledError') }} />
        <div className="row">
          <button type="submit" className="primary" disabled={add.isPending || !content.trim()}>
            {t('memories.add')}
          </button>
        </div>
        <SaveStatus saved={add.isSuccess} text={t('memories.added')} />
      </form>
    </Section>
  );
}

function ForgetEverything({ count }: { count: number }) {
  const { t } = useTranslation('settings');
  const refresh = useRefresh();
  const forget = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/me/memories')),
    onSuccess: refresh,
  });
  return (
    <Section id="memory-forget" title={t('memories.forgetTitle')} className="danger-zone">
      <p>{t('memories.forgetIntro')}</p>
      <Confirm
        trigger={t('memories.forget')}
        triggerClassName="danger"
        question={t('memories.forgetQuestion', { count })}
        confirmLabel={t('memories.forgetConfirm')}
        busy={forget.isPending}
        onConfirm={() => forget.mutateAsync()}
      />
      <ErrorMessage error={forget.error} />
      <SaveStatus saved={forget.isSuccess} text={forget.data ? t('memories.forgotten', { count: forget.data.deleted }) : undefined} />
    </Section>
  );
}

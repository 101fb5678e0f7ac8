import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiProblem, accessToken, api, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../app/session';
import { useSetCrisis } from '../../app/crisis';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { useRealtime } from './realtime';
import { useStartConversation } from './startConversation';
import { startRecording, type Recording } from './recorder';

export interface Shown {
  id: string;
  sender: 'user' | 'ai';
  content: string;
  riskLevel?: string;
  exercise?: Schemas['ExerciseView'];
  pending?: boolean;
}

type Turn = Schemas['TurnResult'];
type AiEvent =
  | { type: 'chunk'; sessionId: string; text: string }
  | { type: 'reset'; sessionId: string }
  | (Turn & { type: 'final' });

const EXERCISES = ['breathing', 'grounding', 'thought_record', 'gratitude', 'values', 'behavioural_activation'] as const;
// Offered before the first message; one is sent as the person's message, as if typed.
const STARTERS = ['stressed', 'calmDown', 'talkThrough', 'exercise'] as const;

function fromView(m: Schemas['MessageView']): Shown {
  return { id: m.id, sender: m.sender === 'user' ? 'user' : 'ai', content: m.content, riskLevel: m.riskLevel };
}

/** Adds a finished turn, replacing the optimistic copy of the person's message; idempotent. */
export function addTurn(list: Shown[], turn: Turn): Shown[] {
  let dropped = false;
  const rest = list.filter((m) => {
    if (m.id === turn.message.id || m.id === turn.aiResponse.id) return false;
    // This device's optimistic copy of the message (one, however many are pending).
    if (!dropped && m.pending && m.sender === 'user' && m.content === turn.message.content.trim()) {
      dropped = true;
      return false;
    }
    return true;
  });
  return [
    ...rest,
    fromView(turn.message),
    {
      id: turn.aiResponse.id,
      sender: 'ai',
      content: turn.aiResponse.content,
      riskLevel: turn.aiResponse.safety.riskLevel,
      exercise: turn.aiResponse.exercise ?? undefined,
    },
  ];
}

function ExerciseCard({ exercise, children }: { exercise: Schemas['ExerciseView']; children: React.ReactNode }) {
  const { t } = useTranslation('chat');
  const title = t(`exerciseTitles.${exercise.kind}`, { defaultValue: exercise.kind });
  const pct = Math.round((exercise.stepNumber / exercise.totalSteps) * 100);
  return (
    <section className="exercise-card" aria-label={title} data-testid="exercise-card">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>{title}</strong>
        <span className="muted">
          {exercise.completed ? t('exerciseDone') : t('exerciseStep', { n: exercise.stepNumber, total: exercise.totalSteps })}
        </span>
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={title}
        aria-valuemin={0}
        aria-valuemax={exercise.totalSteps}
        aria-valuenow={exercise.stepNumber}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <div style={{ marginTop: '0.5rem', whiteSpace: 'pre-wrap' }}>{children}</div>
    </section>
  );
}

export function ChatPage() {
  const { t, i18n } = useTranslation('chat');
  const { sessionId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const queries = useQueryClient();
  const { user } = useSession();
  const setCrisis = useSetCrisis();
  const { socket, connected } = useRealtime();
  const startConversation = useStartConversation();
  const [messages, setMessages] = useState<Shown[]>([]);
  const [older, setOlder] = useState<string | null>(null);
  const [streaming, setStreaming] = useState<string | null>(null);
  const [waiting, setWaiting] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [announce, setAnnounce] = useState('');
  const [ended, setEnded] = useState(false);
  const [recording, setRecording] = useState<Recording | null>(null);
  const [transcribing, setTranscribing] = useState(false);
  const [note, setNote] = useState('');
  const [moodAfter, setMoodAfter] = useState('');
  const justCreated = useRef<string | null>(null);
  // A message sent over the live connection and not answered yet.
  const inFlight = useRef<{ sessionId: string; text: string } | null>(null);
  const recordingRef = useRef<Recording | null>(null);
  // This device's own sends (texts waiting, a voice message), so that the
  // server's delivery of them to every device is not taken for another device's.
  const ownPending = useRef<Set<string>>(new Set());
  const voiceSending = useRef(false);
  // The session on screen, for event handlers (set at once when a session is created).
  const current = useRef<string | undefined>(sessionId);
  const joined = useRef<Set<string>>(new Set());
  const listEnd = useRef<HTMLLIElement>(null);

  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: async () => unwrap(await api.GET('/api/conversations', { params: { query: { limit: 30 } } })),
  });

  // "Talk" (/chat) resumes the latest conversation while it is open; "New
  // conversation" (state `fresh`) does not. Decided once per arrival, on the
  // list as the server has it now.
  const resumeChecked = useRef<string | null>(null);
  const fresh = (location.state as { fresh?: boolean } | null)?.fresh === true;
  useEffect(() => {
    if (sessionId || fresh || !sessions.isSuccess || sessions.isFetching) return;
    if (resumeChecked.current === location.key) return;
    resumeChecked.current = location.key;
    const latest = sessions.data.sessions[0];
    if (latest && latest.endedAt == null) navigate(`/chat/${latest.id}`, { replace: true });
  }, [sessionId, fresh, sessions.isSuccess, sessions.isFetching, sessions.data, location.key, navigate]);

  // Load the session when it changes (not the one this page just created: it is already shown).
  useEffect(() => {
    current.current = sessionId;
    if (sessionId && justCreated.current === sessionId) {
      justCreated.current = null;
      return;
    }
    setError(null);
    setStreaming(null);
    setWaiting(false);
    if (!sessionId) {
      setMessages([]);
      setOlder(null);
      setEnded(false);
      return;
    }
    let live = true;
    void reload(sessionId, () => live);
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionId]);

  /** Shows a session as the server has it (newest page). */
  async function reload(id: string, live: () => boolean = () => true): Promise<Schemas['SessionDetail'] | null> {
    try {
      const detail = unwrap(
        await api.GET('/api/conversations/sessions/{id}', { params: { path: { id }, query: { limit: 50 } } }),
      );
      if (!live() || current.current !== id) return null;
      setMessages(detail.messages.messages.map(fromView).reverse());
      setOlder(detail.messages.nextCursor ?? null);
      setEnded(detail.session.endedAt != null);
      return detail;
    } catch (e) {
      if (live()) setError(e);
      return null;
    }
  }

  // Live events for this page: our streamed reply, and turns from the person's
  // other devices (their crisis state reaches the crisis bar through RealtimeProvider).
  useEffect(() => {
    if (!socket) return;
    const onAi = (ev: AiEvent) => {
      if (ev.type === 'final') {
        // Turns sent over the socket are delivered to the other devices only.
        ownPending.current.delete(ev.message.content);
        if (inFlight.current?.sessionId === ev.sessionId) inFlight.current = null;
      }
      if (ev.sessionId !== current.current) return;
      if (ev.type === 'chunk') {
        setWaiting(false);
        setStreaming((s) => (s ?? '') + ev.text);
      } else if (ev.type === 'reset') {
        setStreaming('');
      } else {
        finishTurn(ev);
      }
    };
    const onUpdate = (ev: Turn) => {
      if (ev.sessionId !== current.current) return;
      const ours = ownPending.current.has(ev.message.content) || voiceSending.current;
      setMessages((list) => addTurn(list, ev));
      if (ours) return;
      setAnnounce(ev.aiResponse.content);
      setNote(t('updatedElsewhere'));
    };
    const onError = (e: { event?: string; code?: string }) => {
      // Without `event`: the connection's login ended; it reconnects by itself.
      if (e.event !== 'send-message') return;
      const sent = inFlight.current;
      inFlight.current = null;
      setWaiting(false);
      setStreaming(null);
      setMessages((list) => list.filter((m) => !m.pending));
      if (sent && sent.sessionId === current.current) setDraft(sent.text);
      if (e.code === 'session_ended') setEnded(true);
      setError(new ApiProblem(0, e.code ?? 'error', e.code ?? 'error'));
    };
    // The connection dropped while a reply was on its way: stop waiting, and
    // when it is back show what the server stored (the reply may be there).
    const onDisconnect = () => {
      if (!inFlight.current) return;
      setWaiting(false);
      setStreaming(null);
    };
    const onConnect = () => {
      const sent = inFlight.current;
      if (!sent) return;
      inFlight.current = null;
      if (sent.sessionId !== current.current) return;
      void reload(sent.sessionId).then((detail) => {
        if (detail && !detail.messages.messages.some((m) => m.sender === 'user' && m.content === sent.text)) {
          setDraft(sent.text);
        }
      });
    };
    socket.on('ai-response', onAi);
    socket.on('conversation-update', onUpdate);
    socket.on('error', onError);
    socket.on('disconnect', onDisconnect);
    socket.on('connect', onConnect);
    return () => {
      socket.off('ai-response', onAi);
      socket.off('conversation-update', onUpdate);
      socket.off('error', onError);
      socket.off('disconnect', onDisconnect);
      socket.off('connect', onConnect);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [socket]);

  // A recording in progress stops with the page (the microphone is released).
  useEffect(() => () => recordingRef.current?.cancel(), []);
  useEffect(() => {
    recordingRef.current = recording;
  }, [recording]);

  // Join the session's room so this device hears about it.
  useEffect(() => {
    if (!socket || !connected || !sessionId || joined.current.has(sessionId)) return;
    joined.current.add(sessionId);
    void socket.emitWithAck('join-session', { sessionId }).catch(() => joined.current.delete(sessionId));
  }, [socket, connected, sessionId]);
  useEffect(() => {
    if (!connected) joined.current.clear();
  }, [connected]);

  useEffect(() => {
    listEnd.current?.scrollIntoView?.({ block: 'end' });
  }, [messages, streaming]);

  function finishTurn(turn: Turn) {
    setMessages((list) => addTurn(list, turn));
    setStreaming(null);
    setWaiting(false);
    setAnnounce(turn.aiResponse.content);
    void queries.invalidateQueries({ queryKey: ['sessions'] });
  }

  async function ensureSession(): Promise<string> {
    if (sessionId && !ended) return sessionId;
    const started = await startConversation({}, (s) => {
      // Shown from here on (not read again when the address changes to it).
      justCreated.current = s.sessionId;
      current.current = s.sessionId;
      setEnded(false);
      setMessages(s.greeting ? [{ id: s.greeting.id, sender: 'ai', content: s.greeting.content }] : []);
    });
    return started.sessionId;
  }

  async function send(text: string) {
    const message = text.trim();
    if (!message || waiting || streaming !== null) return;
    setError(null);
    setNote('');
    try {
      const id = await ensureSession();
      setMessages((list) => [...list, { id: `pending-${Date.now()}`, sender: 'user', content: message, pending: true }]);
      ownPending.current.add(message);
      setDraft('');
      setWaiting(true);
      if (socket && connected) {
        if (!joined.current.has(id)) {
          joined.current.add(id);
          await socket.emitWithAck('join-session', { sessionId: id });
        }
        inFlight.current = { sessionId: id, text: message };
        socket.emit('send-message', { message, sessionId: id });
      } else {
        // Without the live connection: the same turn over HTTP, answered whole
        // (an idempotency key makes a retry after a lost answer safe).
        if (!user) throw new ApiProblem(0, 'offline', t('offline'));
        const turn = unwrap(
          await api.POST('/api/conversations/{userId}/messages', {
            params: { path: { userId: user.id }, header: { 'Idempotency-Key': crypto.randomUUID() } },
            body: { message, sessionId: id },
          }),
        );
        setCrisis(turn.crisis);
        if (turn.sessionId === current.current) finishTurn(turn);
        // The server's delivery to every device may still be on its way.
        setTimeout(() => ownPending.current.delete(message), 5000);
      }
    } catch (e) {
      ownPending.current.delete(message);
      setWaiting(false);
      setMessages((list) => list.filter((m) => !m.pending));
      setDraft(message);
      setError(e);
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void send(draft);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send(draft);
    }
  }

  async function toggleRecording() {
    setError(null);
    if (!recording) {
      try {
        setRecording(await startRecording());
      } catch {
        setError(new ApiProblem(0, 'microphone', t('micDenied')));
      }
      return;
    }
    const rec = recording;
    setRecording(null);
    setTranscribing(true);
    voiceSending.current = true;
    try {
      const audio = await rec.stop();
      const id = await ensureSession();
      const form = new FormData();
      form.append('sessionId', id);
      form.append('audio', audio, 'voice.wav');
      const token = await accessToken();
      const res = await fetch(`/api/conversations/${user?.id}/voice`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: form,
      });
      const body = (await res.json()) as Schemas['VoiceResult'] & Partial<Schemas['Problem']>;
      if (!res.ok) throw new ApiProblem(res.status, body.code ?? 'error', body.title ?? res.statusText, body.detail);
      setCrisis(body.crisis);
      finishTurn(body);
    } catch (e) {
      setError(e);
    } finally {
      setTranscribing(false);
      setTimeout(() => {
        voiceSending.current = false;
      }, 5000);
    }
  }

  async function loadEarlier() {
    if (!sessionId || !older) return;
    try {
      const detail = unwrap(
        await api.GET('/api/conversations/sessions/{id}', {
          params: { path: { id: sessionId }, query: { before: older, limit: 50 } },
        }),
      );
      setMessages((list) => [...detail.messages.messages.map(fromView).reverse(), ...list]);
      setOlder(detail.messages.nextCursor ?? null);
    } catch (e) {
      setError(e);
    }
  }

  async function endSession() {
    if (!sessionId) return;
    const mood = Number(moodAfter);
    try {
      unwrap(
        await api.POST('/api/conversations/sessions/{id}/end', {
          params: { path: { id: sessionId } },
          body: Number.isInteger(mood) && mood >= 1 && mood <= 10 ? { moodAfter: mood } : {},
        }),
      );
      setEnded(true);
      void queries.invalidateQueries({ queryKey: ['sessions'] });
    } catch (e) {
      setError(e);
    }
  }

  const busy = waiting || streaming !== null || transcribing;
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <Page title={t('title')}>
      <div className="chat">
        <nav className="chat-history" aria-label={t('history')}>
          <button type="button" className="primary" onClick={() => navigate('/chat', { state: { fresh: true } })} style={{ width: '100%', marginBottom: '0.75rem' }}>
            {t('newConversation')}
          </button>
          <h2 className="visually-hidden">{t('history')}</h2>
          {sessions.data?.sessions.length === 0 && <p className="muted">{t('noSessions')}</p>}
          <ul>
            {sessions.data?.sessions.map((s) => (
              <li key={s.id}>
                <button type="button" aria-current={s.id === sessionId ? 'true' : undefined} onClick={() => navigate(`/chat/${s.id}`)}>
                  <span>{s.summary ? s.summary.slice(0, 60) : dateFormat.format(new Date(s.startedAt))}</span>
                  <br />
                  <span className="hint">{t('sessionLabel', { count: s.messageCount })}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <section className="chat-main" aria-label={t('title')}>
          <p className="hint" role="status">
            {connected ? '' : t('offline')}
          </p>
          <ErrorMessage error={error} />
          {messages.length === 0 && !busy && (
            <div className="card">
              <h2>{t('emptyTitle')}</h2>
              <p>{t('emptyBody')}</p>
              <div className="row" role="group" aria-label={t('startersLabel')}>
                {STARTERS.map((key) => (
                  <button key={key} type="button" onClick={() => void send(t(`starters.${key}`))}>
                    {t(`starters.${key}`)}
                  </button>
                ))}
              </div>
            </div>
          )}
          <ol className="messages" aria-label={t('history')} data-testid="messages" tabIndex={0}>
            {older && (
              <li>
                <button type="button" className="link" onClick={() => void loadEarlier()}>
                  {t('loadEarlier')}
                </button>
              </li>
            )}
            {messages.map((m) => (
              <li key={m.id} className="msg-row" data-sender={m.sender}>
                <div className={`bubble ${m.sender}`}>
                  <span className="visually-hidden">{m.sender === 'user' ? t('you') : t('companion')}: </span>
                  {m.exercise ? <ExerciseCard exercise={m.exercise}>{m.content}</ExerciseCard> : m.content}
                </div>
              </li>
            ))}
            {streaming !== null && streaming !== '' && (
              <li className="msg-row" data-sender="streaming" aria-hidden="true">
                <div className="bubble ai" data-testid="streaming">
                  {streaming}
                </div>
              </li>
            )}
            <li ref={listEnd} aria-hidden="true" />
          </ol>
          {/* Always present, so screen readers announce each change of its text. */}
          <p className="typing" role="status">
            {recording
              ? t('recording')
              : transcribing
                ? t('transcribing')
                : waiting || streaming === ''
                  ? t('typing')
                  : ''}
          </p>
          <div className="visually-hidden" aria-live="polite" data-testid="reply-announcer">
            {announce}
          </div>
          {note && <p className="hint">{note}</p>}
          {ended ? (
            <p className="ok-box">{t('ended')}</p>
          ) : (
            <details>
              <summary>{t('tryExercise')}</summary>
              <div className="row" style={{ marginTop: '0.5rem' }}>
                {EXERCISES.map((kind) => (
                  <button
                    key={kind}
                    type="button"
                    disabled={busy}
                    onClick={() => void send(t('exercisePrompt', { name: t(`exercises.${kind}`) }))}
                  >
                    {t(`exerciseTitles.${kind}`)}
                  </button>
                ))}
              </div>
            </details>
          )}
          <form className="composer" onSubmit={onSubmit}>
            <label htmlFor="composer" className="visually-hidden">
              {t('messageLabel')}
            </label>
            <textarea
              id="composer"
              value={draft}
              maxLength={4000}
              placeholder={t('placeholder')}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={onKeyDown}
            />
            <button
              type="button"
              onClick={() => void toggleRecording()}
              disabled={transcribing || waiting}
              aria-pressed={recording !== null}
            >
              {recording ? t('stopRecording') : t('record')}
            </button>
            {recording && (
              <button
                type="button"
                onClick={() => {
                  recording.cancel();
                  setRecording(null);
                }}
              >
                {t('cancelRecording')}
              </button>
            )}
            <button type="submit" className="primary" disabled={busy || draft.trim() === ''}>
              {t('send')}
            </button>
          </form>
          {sessionId && !ended && messages.length > 0 && (
            <div className="row" style={{ marginTop: '0.75rem' }}>
              <label htmlFor="mood-after" className="hint">
                {t('moodAfter')}
              </label>
              <input
                id="mood-after"
                type="number"
                min={1}
                max={10}
                value={moodAfter}
                onChange={(e) => setMoodAfter(e.target.value)}
                style={{ width: '5rem' }}
              />
              <button type="button" onClick={() => void endSession()}>
                {t('endSession')}
              </button>
            </div>
          )}
        </section>
      </div>
    </Page>
  );
}

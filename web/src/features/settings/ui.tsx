// Small building blocks shared by the settings screens: sections, status lines,
// an inline confirmation step, labelled fields and date formatting.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../../api/client';
import { ErrorMessage, findFieldError } from '../../components/ErrorMessage';

/** A titled part of a screen: a card with an h2 that names the region. */
export function Section({
  id,
  title,
  children,
  className,
  intro,
}: {
  id: string;
  title: string;
  children: ReactNode;
  className?: string;
  intro?: ReactNode;
}) {
  return (
    <section id={id} className={className ? `card ${className}` : 'card'} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title" tabIndex={-1}>
        {title}
      </h2>
      {intro && <p className="muted">{intro}</p>}
      {children}
    </section>
  );
}

/** "Loading…", announced politely. */
export function Loading() {
  const { t } = useTranslation('settings');
  return (
    <p role="status" className="muted">
      {t('common:loading')}
    </p>
  );
}

/**
 * A polite live region that stays in the page so that "Saved" is announced
 * when it appears; empty otherwise.
 */
export function SaveStatus({ saved, text }: { saved: boolean; text?: string }) {
  const { t } = useTranslation('settings');
  return (
    <p role="status" className="save-status">
      {saved && (
        <>
          <span aria-hidden="true">✓ </span>
          {text ?? t('common:saved')}
        </>
      )}
    </p>
  );
}

/**
 * An error for a section: a specific, translated text for the codes this
 * place knows about, the shared `<ErrorMessage>` for everything else.
 */
export function ProblemMessage({ error, known = {} }: { error: unknown; known?: Record<string, string> }) {
  if (!error) return null;
  if (error instanceof ApiProblem && known[error.code]) {
    return (
      <div className="error-box" role="alert">
        {known[error.code]}
      </div>
    );
  }
  return <ErrorMessage error={error} />;
}

/**
 * The words for one invalid field of a 422: a translation of its code when we
 * have one (checked first under `context`), else the server's message.
 */
export function useFieldError(error: unknown, context?: string): (field: string) => string | undefined {
  const { t, i18n } = useTranslation('settings');
  return (field) => {
    const f = findFieldError(error, field);
    if (!f) return undefined;
    for (const key of [context && `settings:fieldCodes.${context}.${f.code}`, `settings:fieldCodes.${f.code}`]) {
      if (key && i18n.exists(key)) return t(key);
    }
    return f.message;
  };
}

/** A labelled form control with its hint and error, wired up with aria-describedby. */
export function Field({
  label,
  hint,
  error,
  children,
  className,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A field's error shown under a fieldset or list (not tied to one input). */
export function InlineError({ text, id }: { text?: string; id?: string }) {
  if (!text) return null;
  return (
    <p className="field-error" id={id}>
      {text}
    </p>
  );
}

/**
 * A destructive action behind an inline confirmation step: the trigger opens a
 * small group that says what will happen, with the action and Cancel (focused
 * first; Escape cancels too). Focus goes back to the trigger on cancel.
 */
export function Confirm({
  trigger,
  triggerClassName,
  question,
  confirmLabel,
  onConfirm,
  busy,
}: {
  trigger: ReactNode;
  triggerClassName?: string;
  question: ReactNode;
  confirmLabel: string;
  /** Resolves when done (the step closes); rejects to keep it open (the caller shows the error). */
  onConfirm: () => Promise<unknown>;
  busy?: boolean;
}) {
  const { t } = useTranslation('settings');
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const questionId = useId();
  useEffect(() => {
    if (open) cancelRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      triggerRef.current?.focus();
    }
  }, [open]);

  function cancel() {
    returnFocus.current = true;
    setOpen(false);
  }
  async function confirm() {
    try {
      await onConfirm();
      // If the trigger is still here (the thing was not removed), the keyboard goes back to it.
      returnFocus.current = true;
      setOpen(false);
    } catch {
      // The caller shows the error; the step stays open to try again.
    }
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      cancel();
    }
  }

  if (!open) {
    return (
      <button type="button" ref={triggerRef} className={triggerClassName} onClick={() => setOpen(true)}>
        {trigger}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby={questionId} onKeyDown={onKeyDown}>
      <p id={questionId}>{question}</p>
      <div className="row">
        <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
          {confirmLabel}
        </button>
        <button type="button" ref={cancelRef} onClick={cancel}>
          {t('common:cancel')}
        </button>
      </div>
    </div>
  );
}

/** Dates and times in the interface language. */
export function useFormat() {
  const { i18n } = useTranslation('settings');
  const lang = i18n.language;
  return {
    dateTime: (iso?: string | null) =>
      iso ? new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }) : '',
    date: (iso?: string | null) => (iso ? new Date(iso).toLocaleDateString(lang, { dateStyle: 'medium' }) : ''),
    /** A calendar day `YYYY-MM-DD`, shown without shifting it through a time zone. */
    day: (ymd: string) => {
      const [y, m, d] = ymd.split('-').map(Number);
      if (!y || !m || !d) return ymd;
      return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(lang, { dateStyle: 'medium', timeZone: 'UTC' });
    },
    number: (n: number) => n.toLocaleString(lang),
    bytes: (n: number) =>
      n >= 1024 * 1024
        ? `${(n / (1024 * 1024)).toLocaleString(lang, { maximumFractionDigits: 1 })} MB`
        : `${Math.max(1, Math.round(n / 1024)).toLocaleString(lang)} KB`,
  };
}

/** The first block of a UUID: enough to tell people apart in a short list. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Whether an error is a problem+json answer with this status. */
export function hasStatus(error: unknown, status: number): boolean {
  return error instanceof ApiProblem && error.status === status;
}

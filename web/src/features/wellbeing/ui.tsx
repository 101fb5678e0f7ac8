// Small pieces the wellbeing screens share.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A polite "loading" line that screen readers announce. */
export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation('wellbeing');
  return (
    <p role="status" className="muted">
      {label ?? t('loading')}
    </p>
  );
}

/**
 * A destructive action that asks first: the button turns into a question
 * with "yes" and "cancel"; focus moves to the question's answer and back.
 */
export function ConfirmButton({
  label,
  name,
  question,
  confirmLabel,
  onConfirm,
  pending = false,
}: {
  label: ReactNode;
  /** A fuller accessible name that starts with the visible label (e.g. "Delete Sleep better"). */
  name?: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  pending?: boolean;
}) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) triggerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" ref={triggerRef} aria-label={name} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div className="wb-confirm" role="group" aria-label={question}>
      <p>{question}</p>
      <div className="row">
        <button type="button" className="danger" ref={confirmRef} onClick={onConfirm} disabled={pending}>
          {confirmLabel}
        </button>
        <button type="button" onClick={() => setAsking(false)} disabled={pending}>
          {t('cancel')}
        </button>
      </div>
    </div>
  );
}

/** A 1-10 level (anxiety, stress, energy) that may be left unset. */
export function LevelSelect({
  id,
  label,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  value: number | null;
  onChange: (v: number | null) => void;
  error?: string;
}) {
  const { t } = useTranslation('wellbeing');
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      >
        <option value="">{t('notSet')}</option>
        {Array.from({ length: 10 }, (_, i) => i + 1).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A field's server message, tied to the input by id. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

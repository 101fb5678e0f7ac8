import { useTranslation } from 'react-i18next';
import { ApiProblem, type Schemas } from '../api/client';

/** The text to show for an error: a translated code when we have one, else the server's title. */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return (error) => {
    if (error instanceof ApiProblem) {
      const key = `common:errors.${error.code}`;
      if (i18n.exists(key)) return t(key);
      return error.detail ? `${error.message}: ${error.detail}` : error.message;
    }
    if (error instanceof TypeError) return t('errors.offline');
    return t('errors.generic');
  };
}

export function ErrorMessage({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      {text(error)}
    </div>
  );
}

/** The server's error for a field of a 422, or for something inside it (`goals[2]`, `plan.name`). */
export function findFieldError(error: unknown, field: string): Schemas['FieldError'] | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  return error.fieldErrors.find(
    (e) => e.field === field || e.field.startsWith(`${field}[`) || e.field.startsWith(`${field}.`),
  );
}

/** The server's message for one field of a 422, if it named that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return findFieldError(error, field)?.message;
}

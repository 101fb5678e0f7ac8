import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** Moves focus to the page's main region after navigation, so screen readers start at the new page. */
export function usePageFocus(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [path]);
}

/** A screen: its heading, the document title, and its content. */
export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t('appName')}`;
  }, [title, t]);
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{title}</h1>
        {actions}
      </div>
      {children}
    </>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <p role="status">{t('loading')}</p>;
}

import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** Moves focus to the page's main region after navigation, so screen readers start at the new page. */
export function usePageFocus(path: string): void {
  const previous = useRef<string | null>(null);
  useEffect(() => {
    // Same screen, another item (e.g. /chat → /chat/<id> as a conversation starts): focus stays.
    const screen = path.split('/')[1] ?? '';
    const before = previous.current;
    previous.current = screen;
    if (before === null || before === screen) return;
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

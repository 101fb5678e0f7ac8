import { Suspense, useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSession } from './session';
import { applyTheme, savedTheme, type Theme } from './theme';
import { LANGUAGES } from '../i18n';
import { CrisisBar } from '../components/CrisisBar';
import { GetHelpButton } from '../components/GetHelp';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { RealtimeProvider } from '../features/chat/realtime';
import { Loading, usePageFocus } from '../components/Page';

const LINKS = [
  ['/chat', 'nav.chat'],
  ['/mood', 'nav.mood'],
  ['/goals', 'nav.goals'],
  ['/questionnaires', 'nav.questionnaires'],
  ['/insights', 'nav.insights'],
  ['/memories', 'nav.memories'],
  ['/notifications', 'nav.notifications'],
  ['/safety-plan', 'nav.safetyPlan'],
  ['/settings', 'nav.settings'],
] as const;

export function ThemeAndLanguage({ id = 'top', className = 'row' }: { id?: string; className?: string }) {
  const { t, i18n } = useTranslation();
  const [theme, setTheme] = useState<Theme>(savedTheme());
  useEffect(() => applyTheme(theme), [theme]);
  return (
    <div className={className}>
      <label className="visually-hidden" htmlFor={`${id}-theme`}>
        {t('theme.label')}
      </label>
      <select
        id={`${id}-theme`}
        value={theme}
        onChange={(e) => setTheme(e.target.value as Theme)}
      >
        <option value="system">{t('theme.label')}: {t('theme.system')}</option>
        <option value="light">{t('theme.label')}: {t('theme.light')}</option>
        <option value="dark">{t('theme.label')}: {t('theme.dark')}</option>
      </select>
      <label className="visually-hidden" htmlFor={`${id}-language`}>
        {t('language')}
      </label>
      <select
        id={`${id}-language`}
        value={i18n.language.slice(0, 2)}
        onChange={(e) => void i18n.changeLanguage(e.target.value)}
      >
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The signed-in frame: skip link, top bar with "Get help now", the crisis bar, navigation, and the page. */
export function Layout() {
  const { t } = useTranslation();
  const { user, signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  usePageFocus(location.pathname);
  const isClinician = user?.role === 'clinician' || user?.role === 'admin';
  return (
    <RealtimeProvider>
      <div className="app">
        <a className="skip-link" href="#main">
          {t('skipToContent')}
        </a>
        {/* Stays at the top as the page scrolls: the top bar, and the crisis bar while it is shown. */}
        <div className="app-top">
          <header className="topbar">
            <button
              type="button"
              className="menu-button"
              aria-expanded={menuOpen}
              aria-controls="sidenav"
              onClick={() => setMenuOpen((o) => !o)}
            >
              {t('nav.menu')}
            </button>
            <NavLink to="/chat" className="brand">
              {t('appName')}
            </NavLink>
            <GetHelpButton />
            <ThemeAndLanguage className="row topbar-prefs" />
          </header>
          <CrisisBar />
        </div>
        <div className="shell">
          <nav id="sidenav" className={menuOpen ? 'sidenav open' : 'sidenav'} aria-label={t('nav.label')}>
            <ul>
              {LINKS.map(([to, key]) => (
                <li key={to}>
                  <NavLink to={to}>{t(key)}</NavLink>
                </li>
              ))}
              {isClinician && (
                <li>
                  <NavLink to="/clinician">{t('nav.clinician')}</NavLink>
                </li>
              )}
              <li className="nav-prefs">
                <ThemeAndLanguage id="nav" className="stack" />
              </li>
              <li>
                <button type="button" className="link" onClick={() => void signOut()}>
                  {t('nav.signOut')}
                </button>
              </li>
            </ul>
          </nav>
          <main id="main" tabIndex={-1}>
            <ErrorBoundary resetKey={location.pathname}>
              <Suspense fallback={<Loading />}>
                <Outlet />
              </Suspense>
            </ErrorBoundary>
          </main>
        </div>
      </div>
    </RealtimeProvider>
  );
}

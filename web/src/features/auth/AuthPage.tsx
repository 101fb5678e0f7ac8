import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../app/session';
import { ErrorMessage, fieldError } from '../../components/ErrorMessage';
import { ThemeAndLanguage } from '../../app/Layout';
import { Page } from '../../components/Page';
import { GetHelpButton } from '../../components/GetHelp';

/** Sign in, or create an account (mode `register`). */
export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const { t, i18n } = useTranslation();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const register = mode === 'register';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const tokens = register
        ? unwrap(
            await api.POST('/api/auth/register', {
              body: {
                email,
                password,
                profile: {
                  language: i18n.language.slice(0, 2),
                  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
                },
              },
            }),
          )
        : unwrap(await api.POST('/api/auth/login', { body: { email, password } }));
      signIn(tokens);
      navigate(tokens.user.onboardingCompleted ? '/chat' : '/onboarding', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const emailError = fieldError(error, 'email');
  const passwordError = fieldError(error, 'password');
  return (
    <div className="auth-page">
      <div className="row" style={{ justifyContent: 'space-between', marginBottom: '1.5rem' }}>
        <span className="brand">{t('appName')}</span>
        <GetHelpButton />
        <ThemeAndLanguage />
      </div>
      <main id="main">
        <Page title={register ? t('auth.registerTitle') : t('auth.signInTitle')}>
          <p className="muted">{t('auth.tagline')}</p>
          <ErrorMessage error={error} />
          <form onSubmit={(e) => void submit(e)} noValidate>
            <div className="field">
              <label htmlFor="email">{t('auth.email')}</label>
              <input
                id="email"
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                aria-invalid={emailError ? true : undefined}
                aria-describedby={emailError ? 'email-error' : undefined}
              />
              {emailError && (
                <div className="field-error" id="email-error">
                  {emailError}
                </div>
              )}
            </div>
            <div className="field">
              <label htmlFor="password">{t('auth.password')}</label>
              <input
                id="password"
                type="password"
                autoComplete={register ? 'new-password' : 'current-password'}
                required
                minLength={register ? 8 : undefined}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-invalid={passwordError ? true : undefined}
                aria-describedby={register ? 'password-hint' : undefined}
              />
              {register && (
                <div className="hint" id="password-hint">
                  {t('auth.passwordHint')}
                </div>
              )}
              {passwordError && <div className="field-error">{passwordError}</div>}
            </div>
            <button type="submit" className="primary" disabled={busy}>
              {register ? t('auth.register') : t('auth.signIn')}
            </button>
          </form>
          <p style={{ marginTop: '1.5rem' }}>
            {register ? t('auth.haveAccount') : t('auth.noAccount')}{' '}
            <Link to={register ? '/login' : '/register'}>{register ? t('auth.signIn') : t('auth.register')}</Link>
          </p>
          <p className="hint">{t('auth.notEmergency')}</p>
        </Page>
      </main>
    </div>
  );
}

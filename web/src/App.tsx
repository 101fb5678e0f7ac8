import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { lazy, type ReactNode } from 'react';
import { useSession } from './app/session';
import { Layout } from './app/Layout';
import { AuthPage } from './features/auth/AuthPage';
import { Onboarding } from './features/onboarding/Onboarding';
import { ChatPage } from './features/chat/ChatPage';
import { Loading, Page } from './components/Page';

// The chat loads with the app; other areas load when first opened.
const wellbeing = () => import('./features/wellbeing/pages');
const settings = () => import('./features/settings/pages');
const MoodPage = lazy(() => wellbeing().then((m) => ({ default: m.MoodPage })));
const GoalsPage = lazy(() => wellbeing().then((m) => ({ default: m.GoalsPage })));
const QuestionnairesPage = lazy(() => wellbeing().then((m) => ({ default: m.QuestionnairesPage })));
const InsightsPage = lazy(() => wellbeing().then((m) => ({ default: m.InsightsPage })));
const SettingsPage = lazy(() => settings().then((m) => ({ default: m.SettingsPage })));
const MemoriesPage = lazy(() => settings().then((m) => ({ default: m.MemoriesPage })));
const NotificationsPage = lazy(() => settings().then((m) => ({ default: m.NotificationsPage })));
const SafetyPlanPage = lazy(() => settings().then((m) => ({ default: m.SafetyPlanPage })));
const ClinicianPage = lazy(() => settings().then((m) => ({ default: m.ClinicianPage })));
const ClinicianPatientPage = lazy(() => settings().then((m) => ({ default: m.ClinicianPatientPage })));


function RequireSignIn({ children }: { children: ReactNode }) {
  const { signedIn, loading, user } = useSession();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (loading) return <Loading />;
  if (user && !user.onboardingCompleted && location.pathname !== '/onboarding') {
    return <Navigate to="/onboarding" replace />;
  }
  return children;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t('notFound.title')}>
      <Link to="/">{t('notFound.home')}</Link>
    </Page>
  );
}

export function App() {
  const { signedIn } = useSession();
  return (
    <Routes>
      <Route path="/login" element={signedIn ? <Navigate to="/chat" replace /> : <AuthPage mode="login" />} />
      <Route path="/register" element={signedIn ? <Navigate to="/chat" replace /> : <AuthPage mode="register" />} />
      <Route
        element={
          <RequireSignIn>
            <Layout />
          </RequireSignIn>
        }
      >
        <Route path="/" element={<Navigate to="/chat" replace />} />
        <Route path="/onboarding" element={<Onboarding />} />
        <Route path="/chat" element={<ChatPage />} />
        <Route path="/chat/:sessionId" element={<ChatPage />} />
        <Route path="/mood" element={<MoodPage />} />
        <Route path="/goals" element={<GoalsPage />} />
        <Route path="/questionnaires" element={<QuestionnairesPage />} />
        <Route path="/insights" element={<InsightsPage />} />
        <Route path="/memories" element={<MemoriesPage />} />
        <Route path="/notifications" element={<NotificationsPage />} />
        <Route path="/safety-plan" element={<SafetyPlanPage />} />
        <Route path="/settings" element={<SettingsPage />} />
        <Route path="/clinician" element={<ClinicianPage />} />
        <Route path="/clinician/:userId" element={<ClinicianPatientPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

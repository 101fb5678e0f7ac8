// /settings: every section saves on its own, with its own status and errors.
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { AuditSection, ClinicianAccessSection } from './AccessSections';
import { DeleteAccountSection, ExportSection } from './DataSections';
import { ApproachSection, PrivacySection, ProfileSection, useProfile } from './ProfileSections';
import { RemindersSection } from './RemindersSection';
import { TrustedContactSection } from './TrustedContactSection';
import { Loading } from './ui';

const SECTIONS = [
  ['settings-profile', 'profile.title'],
  ['settings-approach', 'approach.title'],
  ['settings-privacy', 'privacy.title'],
  ['settings-reminders', 'reminders.title'],
  ['settings-contact', 'contact.title'],
  ['settings-clinicians', 'grants.title'],
  ['settings-audit', 'audit.title'],
  ['settings-export', 'export.title'],
  ['settings-delete', 'erase.title'],
] as const;

export function SettingsPage() {
  const { t } = useTranslation('settings');
  const profile = useProfile();
  return (
    <Page title={t('title')}>
      <nav aria-label={t('onThisPage')} className="toc">
        <ul>
          {SECTIONS.map(([id, key]) => (
            <li key={id}>
              <a href={`#${id}`}>{t(key)}</a>
            </li>
          ))}
        </ul>
      </nav>
      {profile.isPending ? (
        <Loading />
      ) : profile.isError ? (
        <ErrorMessage error={profile.error} />
      ) : (
        <>
          <ProfileSection profile={profile.data} />
          <ApproachSection profile={profile.data} />
          <PrivacySection profile={profile.data} />
        </>
      )}
      <RemindersSection />
      <TrustedContactSection />
      <ClinicianAccessSection />
      <AuditSection />
      <ExportSection />
      <DeleteAccountSection />
    </Page>
  );
}

import { calls, callsTo, json, noContent, problem, resetNetwork, route } from './test-fetch';
import { screen, within } from '@testing-library/react';
import i18n from '../../i18n';
import { isSignedIn, setTokens } from '../../api/client';
import { SettingsPage } from './pages';
import { renderAt } from './test-utils';

const PROFILE = {
  displayName: 'Sam',
  ageRange: '25-34',
  country: 'GB',
  language: 'en',
  timezone: 'Europe/London',
  goals: [],
  onboardingCompleted: true,
  updatedAt: '2025-03-01T10:00:00Z',
  therapeuticPreferences: { approach: 'cbt', secondaryApproaches: [] },
  communicationPreferences: { tone: 'gentle', replyLength: 'short', useName: true },
  privacySettings: { memoryEnabled: true, storeVoiceRecordings: false, analyticsOptIn: false },
};
const REMINDERS = {
  enabled: true,
  localTime: '20:30',
  days: [1, 2, 3, 4, 5, 6, 7],
  email: false,
  quietStart: null,
  quietEnd: null,
  timezone: 'Europe/London',
  nextDueAt: '2025-03-01T20:30:00Z',
};
const GRANT = {
  id: '0190a000-0000-7000-8000-0000000000g1',
  clinicianId: 'c1a2b3c4-0000-7000-8000-000000000000',
  userId: 'u1',
  scope: 'summaries',
  sessionIds: [],
  createdAt: '2025-02-01T10:00:00Z',
  expiresAt: '2025-05-02T10:00:00Z',
  status: 'active',
};

function signIn() {
  setTokens({
    accessToken: 'access',
    refreshToken: 'refresh',
    expiresIn: 3600,
    refreshExpiresIn: 86400,
    tokenType: 'Bearer',
    user: {
      id: 'u1',
      email: 'sam@example.org',
      role: 'user',
      onboardingCompleted: true,
      subscriptionTier: 'free',
      createdAt: '2025-01-01T00:00:00Z',
    },
  });
}

beforeEach(async () => {
  resetNetwork();
  await i18n.changeLanguage('en');
  signIn();
  route('GET', '/api/me/profile', () => json(PROFILE));
  route('PATCH', '/api/me/profile', (call) => json({ ...PROFILE, ...(call.body as object) }));
  route('GET', '/api/me/reminders', () => json(REMINDERS));
  route('PUT', '/api/me/reminders', (call) => json({ ...REMINDERS, ...(call.body as object) }));
  route('GET', '/api/me/trusted-contact', () => problem(404, 'not_found'));
  route('GET', '/api/me/grants', () => json([GRANT]));
  route('GET', '/api/me/audit', (call) =>
    call.query.get('before')
      ? json({ entries: [{ seq: 1, at: '2025-01-01T10:00:00Z', actorRole: 'user', byYou: true, action: 'export.requested', detail: {} }], next: null })
      : json({
          entries: [
            { seq: 3, at: '2025-02-03T10:00:00Z', actorRole: 'clinician', byYou: false, action: 'clinician.read', detail: { what: 'moods' } },
            { seq: 2, at: '2025-02-01T10:00:00Z', actorRole: 'user', byYou: true, action: 'grant.created', detail: { scope: 'summaries', days: 90 } },
          ],
          next: 2,
        }),
  );
});

afterEach(() => {
  setTokens(null);
  vi.restoreAllMocks();
});

test('every section has its heading, in order', async () => {
  renderAt(<SettingsPage />);
  expect(screen.getByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
  await screen.findByRole('heading', { level: 2, name: 'Profile' });
  const names = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
  expect(names).toEqual([
    'Profile',
    'Approach and communication',
    'Privacy',
    'Reminders',
    'Trusted contact',
    'Clinician access',
    'Activity log',
    'A copy of your data',
    'Account deletion',
  ]);
  expect(await screen.findByDisplayValue('Sam')).toBeInTheDocument();
});

test('delete my account: asks for the password, sends the EraseRequest, signs out', async () => {
  route('DELETE', '/api/me', (call) =>
    (call.body as { password: string }).password === 'correct horse battery' ? noContent() : problem(403, 'reauthentication_failed'),
  );
  const { user } = renderAt(<SettingsPage />, { url: '/settings', path: '/settings' });
  await user.click(await screen.findByRole('button', { name: 'Delete my account' }));
  const password = screen.getByLabelText('Your password');
  expect(password).toHaveFocus();
  expect(password).toHaveAttribute('type', 'password');
  expect(password).toHaveAttribute('autocomplete', 'current-password');
  // Only one control can do it at a time, so "Delete my account" is unambiguous.
  expect(screen.queryByRole('button', { name: 'Delete my account' })).not.toBeInTheDocument();

  // Empty: nothing is sent.
  await user.click(screen.getByRole('button', { name: 'Permanently delete my account' }));
  expect(screen.getByText('Enter your password to delete your account.')).toBeInTheDocument();
  expect(callsTo('DELETE', '/api/me')).toHaveLength(0);

  // Wrong password: nothing deleted, still signed in.
  await user.type(password, 'wrong');
  await user.click(screen.getByRole('button', { name: 'Permanently delete my account' }));
  expect(await screen.findByText('That password isn’t right. Nothing was deleted.')).toBeInTheDocument();
  expect(isSignedIn()).toBe(true);

  await user.clear(password);
  await user.type(password, 'correct horse battery');
  await user.click(screen.getByRole('button', { name: 'Permanently delete my account' }));
  expect(await screen.findByText('Sign-in page')).toBeInTheDocument();
  const deletes = callsTo('DELETE', '/api/me');
  expect(deletes).toHaveLength(2);
  expect(deletes[1].body).toEqual({ password: 'correct horse battery' });
  expect(deletes[1].headers.get('authorization')).toBe('Bearer access');
  expect(isSignedIn()).toBe(false);
  expect(localStorage.getItem('rebloom.tokens')).toBeNull();
});

test('cancelling account deletion sends nothing and returns focus', async () => {
  const { user } = renderAt(<SettingsPage />);
  await user.click(await screen.findByRole('button', { name: 'Delete my account' }));
  await user.type(screen.getByLabelText('Your password'), 'secret');
  await user.click(screen.getByRole('button', { name: 'Cancel' }));
  expect(screen.getByRole('button', { name: 'Delete my account' })).toHaveFocus();
  expect(callsTo('DELETE', '/api/me')).toHaveLength(0);
  expect(isSignedIn()).toBe(true);
});

test('export my data: starts, waits until ready, downloads the file', async () => {
  const id = '0190a000-0000-7000-8000-0000000000e1';
  let polls = 0;
  route('POST', '/api/me/export', () => json({ id, status: 'pending', createdAt: '2025-03-01T10:00:00Z' }, 202));
  route('GET', '/api/me/export/{id}', () => {
    polls += 1;
    return json({
      id,
      status: polls < 2 ? 'pending' : 'ready',
      createdAt: '2025-03-01T10:00:00Z',
      sizeBytes: 2048,
      downloadUrl: `/api/me/export/${id}/download`,
    });
  });
  route('GET', '/api/me/export/{id}/download', () =>
    new Response('PK zip bytes', {
      status: 200,
      headers: { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="rebloom-export-2025-03-01.zip"' },
    }),
  );
  const createObjectURL = vi.fn(() => 'blob:http://localhost/export');
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
  const saved: { href: string; download: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.href, download: this.download });
  });

  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'A copy of your data' });
  await user.click(within(section).getByRole('button', { name: 'Export my data' }));
  expect(await within(section).findByText(/Preparing your export/)).toBeInTheDocument();

  const link = await within(section).findByTestId('export-download', {}, { timeout: 4000 });
  expect(link).toHaveAttribute('href', 'blob:http://localhost/export');
  expect(link).toHaveAttribute('download', 'rebloom-export-2025-03-01.zip');
  expect(saved).toEqual([{ href: 'blob:http://localhost/export', download: 'rebloom-export-2025-03-01.zip' }]);
  expect(within(section).getByRole('status')).toHaveTextContent('Your download has started');
  expect(callsTo('POST', '/api/me/export')).toHaveLength(1);
  expect(callsTo('GET', `/api/me/export/${id}/download`)).toHaveLength(1);
  expect(callsTo('GET', `/api/me/export/${id}/download`)[0].headers.get('authorization')).toBe('Bearer access');
  expect(createObjectURL).toHaveBeenCalledTimes(1);
}, 10_000);

test('a failed export says so', async () => {
  const id = '0190a000-0000-7000-8000-0000000000e2';
  route('POST', '/api/me/export', () => json({ id, status: 'pending', createdAt: '2025-03-01T10:00:00Z' }, 202));
  route('GET', '/api/me/export/{id}', () => json({ id, status: 'failed', createdAt: '2025-03-01T10:00:00Z' }));
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'A copy of your data' });
  await user.click(within(section).getByRole('button', { name: 'Export my data' }));
  expect(await within(section).findByRole('alert')).toHaveTextContent('Your export couldn’t be prepared');
  expect(within(section).queryByTestId('export-download')).not.toBeInTheDocument();
});

test('profile: saving a new language PATCHes it and switches the interface', async () => {
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Profile' });
  const name = within(section).getByLabelText('What should Rebloom call you?');
  await user.clear(name);
  await user.type(name, 'Sammy');
  await user.selectOptions(within(section).getByLabelText('Language'), 'es');
  await user.click(within(section).getByRole('button', { name: 'Save profile' }));
  expect(await screen.findByRole('heading', { level: 1, name: 'Ajustes' })).toBeInTheDocument();
  const patch = callsTo('PATCH', '/api/me/profile');
  expect(patch).toHaveLength(1);
  expect(patch[0].body).toEqual({
    displayName: 'Sammy',
    ageRange: '25-34',
    country: 'GB',
    language: 'es',
    timezone: 'Europe/London',
  });
  expect(i18n.language).toBe('es');
  expect(within(screen.getByRole('region', { name: 'Perfil' })).getByRole('status')).toHaveTextContent('Guardado');
});

test('profile: a rejected field is shown next to it', async () => {
  route('PATCH', '/api/me/profile', () =>
    problem(422, 'validation_failed', [{ field: 'displayName', code: 'too_long', message: 'Use at most 100 characters.' }]),
  );
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Profile' });
  await user.click(within(section).getByRole('button', { name: 'Save profile' }));
  const name = within(section).getByLabelText('What should Rebloom call you?');
  expect(await within(section).findByText('This is too long.')).toBeInTheDocument();
  expect(name).toHaveAttribute('aria-invalid', 'true');
  expect(name).toHaveAccessibleDescription(/This is too long\./);
  expect(within(section).getByRole('status')).toHaveTextContent('');
});

test('approach and privacy save their own parts', async () => {
  const { user } = renderAt(<SettingsPage />);
  const approach = await screen.findByRole('region', { name: 'Approach and communication' });
  await user.click(within(approach).getByLabelText(/^ACT: make room/));
  await user.click(within(approach).getByLabelText('Direct and to the point'));
  await user.click(within(approach).getByLabelText('Address me by my name'));
  await user.click(within(approach).getByRole('button', { name: 'Save approach and communication' }));
  await within(approach).findByText('Saved');
  expect(callsTo('PATCH', '/api/me/profile')[0].body).toEqual({
    therapeuticPreferences: { approach: 'act', secondaryApproaches: [] },
    communicationPreferences: { tone: 'direct', replyLength: 'short', useName: false },
  });

  const privacy = screen.getByRole('region', { name: 'Privacy' });
  await user.click(within(privacy).getByLabelText(/Keep my voice recordings/));
  await user.type(within(privacy).getByLabelText('Delete conversations older than (days)'), '10');
  await user.click(within(privacy).getByRole('button', { name: 'Save privacy settings' }));
  expect(within(privacy).getByText('Choose between 30 and 3650 days.')).toBeInTheDocument();
  expect(callsTo('PATCH', '/api/me/profile')).toHaveLength(1);
  await user.type(within(privacy).getByLabelText('Delete conversations older than (days)'), '0');
  await user.click(within(privacy).getByRole('button', { name: 'Save privacy settings' }));
  await within(privacy).findByText('Saved');
  expect(callsTo('PATCH', '/api/me/profile')[1].body).toEqual({
    privacySettings: { memoryEnabled: true, storeVoiceRecordings: true, analyticsOptIn: false, dataRetentionDays: 100 },
  });
});

test('reminders: weekdays, e-mail and quiet hours are PUT together', async () => {
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Reminders' });
  await user.click(await within(section).findByLabelText('Saturday'));
  await user.click(within(section).getByLabelText('Sunday'));
  await user.click(within(section).getByLabelText('Also send reminders by e-mail'));
  await user.click(within(section).getByLabelText('Don’t remind me during quiet hours'));
  await user.click(within(section).getByRole('button', { name: 'Save reminders' }));
  await within(section).findByText('Saved');
  expect(callsTo('PUT', '/api/me/reminders')[0].body).toEqual({
    enabled: true,
    localTime: '20:30',
    days: [1, 2, 3, 4, 5],
    email: true,
    quietStart: '22:00',
    quietEnd: '07:00',
  });
});

test('trusted contact: needs consent, then is saved', async () => {
  let contact: object | null = null;
  route('GET', '/api/me/trusted-contact', () => (contact ? json(contact) : problem(404, 'not_found')));
  route('PUT', '/api/me/trusted-contact', (call) => {
    const b = call.body as { name: string; email: string; consent: boolean };
    if (!b.consent) {
      return problem(422, 'validation_failed', [{ field: 'consent', code: 'consent_required', message: 'Confirm.' }]);
    }
    contact = { name: b.name, email: b.email, consentedAt: '2025-03-01T10:00:00Z', canNotify: true };
    return json(contact);
  });
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Trusted contact' });
  expect(await within(section).findByText('You haven’t named a trusted contact.')).toBeInTheDocument();
  await user.type(within(section).getByLabelText('Their name'), 'Alex');
  await user.type(within(section).getByLabelText('Their e-mail address'), 'alex@example.org');
  await user.click(within(section).getByRole('button', { name: 'Save trusted contact' }));
  expect(await within(section).findByText(/confirm that this person agreed/i)).toBeInTheDocument();
  await user.click(within(section).getByLabelText(/This person agreed to be my trusted contact/));
  await user.click(within(section).getByRole('button', { name: 'Save trusted contact' }));
  expect(await within(section).findByText('alex@example.org')).toBeInTheDocument();
  expect(callsTo('PUT', '/api/me/trusted-contact')[1].body).toEqual({ name: 'Alex', email: 'alex@example.org', consent: true });
  expect(within(section).getByRole('button', { name: 'Ask them to reach out' })).toBeInTheDocument();
});

test('clinician access: lists, grants by e-mail and revokes after confirming', async () => {
  route('POST', '/api/me/grants', (call) => json({ ...GRANT, id: 'new', ...(call.body as object) }, 201));
  route('DELETE', '/api/me/grants/{id}', () => noContent());
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Clinician access' });
  const grant = (await within(section).findByText('Clinician c1a2b3c4', { selector: 'strong' })).closest('li')!;
  expect(grant).toHaveTextContent('Mood and session summaries');
  expect(grant).toHaveTextContent(/Until .*2025/);

  await user.type(within(section).getByLabelText('Clinician’s e-mail address'), 'dr.lee@example.org');
  await user.click(within(section).getByLabelText(/^Everything/));
  const days = within(section).getByLabelText('For how many days');
  await user.clear(days);
  await user.type(days, '30');
  await user.click(within(section).getByRole('button', { name: 'Share with this clinician' }));
  expect(await within(section).findByText('Access granted')).toBeInTheDocument();
  expect(callsTo('POST', '/api/me/grants')[0].body).toEqual({ clinicianEmail: 'dr.lee@example.org', scope: 'everything', days: 30 });

  await user.click(within(section).getByRole('button', { name: 'Stop sharing Clinician c1a2b3c4' }));
  expect(callsTo('DELETE', `/api/me/grants/${GRANT.id}`)).toHaveLength(0);
  await user.click(within(section).getByRole('button', { name: 'Yes, stop sharing' }));
  expect(await within(section).findByText('Access stopped')).toBeInTheDocument();
  expect(callsTo('DELETE', `/api/me/grants/${GRANT.id}`)).toHaveLength(1);
});

test('sharing chosen conversations lists them to pick from', async () => {
  route('GET', '/api/conversations', () =>
    json({
      sessions: [
        { id: 's1', startedAt: '2025-02-10T10:00:00Z', messageCount: 6, sessionType: 'general', summary: 'Talked about sleep' },
      ],
    }),
  );
  route('POST', '/api/me/grants', (call) => json({ ...GRANT, ...(call.body as object) }, 201));
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Clinician access' });
  await user.type(within(section).getByLabelText('Clinician’s e-mail address'), 'dr.lee@example.org');
  await user.click(within(section).getByLabelText(/^Chosen conversations/));
  await user.click(await within(section).findByLabelText(/Talked about sleep/));
  await user.click(within(section).getByRole('button', { name: 'Share with this clinician' }));
  await within(section).findByText('Access granted');
  expect(callsTo('POST', '/api/me/grants')[0].body).toEqual({
    clinicianEmail: 'dr.lee@example.org',
    scope: 'conversations',
    days: 90,
    sessionIds: ['s1'],
  });
});

test('audit log: who did what, and older entries on request', async () => {
  const { user } = renderAt(<SettingsPage />);
  const section = await screen.findByRole('region', { name: 'Activity log' });
  const table = await within(section).findByRole('table');
  const rows = within(table).getAllByRole('row').slice(1).map((r) => r.textContent);
  expect(rows[0]).toContain('A clinician');
  expect(rows[0]).toContain('A clinician looked at your data: mood check-ins');
  expect(rows[1]).toContain('You');
  expect(rows[1]).toContain('Clinician access granted: Mood and session summaries, 90 days');
  await user.click(within(section).getByRole('button', { name: 'Load older entries' }));
  expect(await within(section).findByText('Data export requested')).toBeInTheDocument();
  expect(calls.some((c) => c.path === '/api/me/audit' && c.query.get('before') === '2')).toBe(true);
  expect(within(section).queryByRole('button', { name: 'Load older entries' })).not.toBeInTheDocument();
});

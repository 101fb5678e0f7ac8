import { callsTo, json, noContent, resetNetwork, route } from './test-fetch';
import { screen, within } from '@testing-library/react';
import i18n from '../../i18n';
import { NotificationsPage } from './pages';
import { notificationTarget } from './NotificationsPage';
import { renderAt } from './test-utils';

const INSIGHT = {
  id: 'n1',
  kind: 'insight',
  title: 'Your week in review is ready',
  body: 'A look back at your week.',
  link: '/insights/0190a000-0000-7000-8000-0000000000i1',
  createdAt: '2025-03-03T08:00:00Z',
  readAt: null,
};
const REMINDER = {
  id: 'n2',
  kind: 'reminder',
  title: 'Time for a check-in',
  body: 'How are you feeling right now?',
  link: '/mood',
  createdAt: '2025-03-02T20:30:00Z',
  readAt: '2025-03-02T21:00:00Z',
};

let read: Set<string>;

beforeEach(async () => {
  resetNetwork();
  await i18n.changeLanguage('en');
  read = new Set();
  route('GET', '/api/me/notifications', () => {
    const notifications = [INSIGHT, REMINDER].map((n) => (read.has(n.id) ? { ...n, readAt: '2025-03-03T09:00:00Z' } : n));
    return json({ notifications, unread: notifications.filter((n) => !n.readAt).length });
  });
  route('POST', '/api/me/notifications/{id}/read', (_, [id]) => {
    read.add(id);
    return noContent();
  });
  route('POST', '/api/me/notifications/read-all', () => {
    read.add('n1');
    read.add('n2');
    return noContent();
  });
});

test('shows the inbox with the unread count and links to the insight', async () => {
  renderAt(<NotificationsPage />);
  expect(screen.getByRole('heading', { level: 1, name: 'Notifications' })).toBeInTheDocument();
  expect(await screen.findByText('1 unread')).toBeInTheDocument();
  const insight = screen.getByRole('heading', { level: 2, name: /Your week in review is ready/ }).closest('li')!;
  expect(within(insight).getByText('New')).toBeInTheDocument();
  expect(within(insight).getByRole('link', { name: 'See the insight' })).toHaveAttribute(
    'href',
    '/insights#insight-0190a000-0000-7000-8000-0000000000i1',
  );
  const reminder = screen.getByRole('heading', { level: 2, name: 'Time for a check-in' }).closest('li')!;
  expect(within(reminder).getByRole('link', { name: 'Check in now' })).toHaveAttribute('href', '/mood');
  expect(within(reminder).queryByRole('button', { name: /Mark as read/ })).not.toBeInTheDocument();
});

test('marks one as read', async () => {
  const { user } = renderAt(<NotificationsPage />);
  await user.click(await screen.findByRole('button', { name: 'Mark as read: Your week in review is ready' }));
  expect(await screen.findByText('You’re all caught up.')).toBeInTheDocument();
  expect(callsTo('POST', '/api/me/notifications/n1/read')).toHaveLength(1);
  expect(screen.getByRole('heading', { level: 2, name: 'Your week in review is ready' })).toHaveFocus();
});

test('marks all as read', async () => {
  const { user } = renderAt(<NotificationsPage />);
  await user.click(await screen.findByRole('button', { name: 'Mark all as read' }));
  expect(await screen.findByText('You’re all caught up.')).toBeInTheDocument();
  expect(callsTo('POST', '/api/me/notifications/read-all')).toHaveLength(1);
  expect(screen.queryByText('New')).not.toBeInTheDocument();
});

test('an empty inbox says so', async () => {
  route('GET', '/api/me/notifications', () => json({ notifications: [], unread: 0 }));
  renderAt(<NotificationsPage />);
  expect(await screen.findByText('No notifications yet.')).toBeInTheDocument();
});

test('only in-app links are followed', () => {
  expect(notificationTarget('https://evil.example/x')).toBeNull();
  expect(notificationTarget('//evil.example/x')).toBeNull();
  expect(notificationTarget('/goals')).toEqual({ to: '/goals', label: 'notifications.open' });
});

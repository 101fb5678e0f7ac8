import { callsTo, json, problem, resetNetwork, route } from './test-fetch';
import { screen, within } from '@testing-library/react';
import i18n from '../../i18n';
import { SafetyPlanPage } from './pages';
import { renderAt } from './test-utils';

const PLAN = {
  warningSigns: ['Not sleeping'],
  copingStrategies: ['A walk by the river'],
  distractions: [],
  peopleToAsk: [],
  professionals: [{ name: 'Dr Lee', contact: '020 7946 0000' }],
  crisisLines: [{ name: 'Samaritans', contact: '116 123' }],
  saferEnvironment: [],
  reasonsForLiving: ['My cat'],
  emergencyNumber: '999',
  updatedAt: '2025-03-01T10:00:00Z',
};

beforeEach(async () => {
  resetNetwork();
  await i18n.changeLanguage('en');
  let stored: object = PLAN;
  route('GET', '/api/me/safety-plan', () => json(stored));
  route('PUT', '/api/me/safety-plan', (call) => {
    stored = { ...(call.body as object), emergencyNumber: '999', updatedAt: '2025-03-02T10:00:00Z' };
    return json(stored);
  });
});

test('shows the plan, the emergency number and a read-only summary', async () => {
  renderAt(<SafetyPlanPage />);
  expect(screen.getByRole('status')).toHaveTextContent('Loading');
  expect(screen.getByRole('heading', { level: 1, name: 'My safety plan' })).toBeInTheDocument();
  expect(await screen.findByTestId('emergency-number')).toHaveTextContent('999');
  expect(screen.getByRole('link', { name: '999' })).toHaveAttribute('href', 'tel:999');
  expect(screen.getByLabelText('Warning sign 1')).toHaveValue('Not sleeping');
  const summary = screen.getByRole('region', { name: 'My plan at a glance' });
  expect(within(summary).getByText('Samaritans: 116 123')).toBeInTheDocument();
  expect(within(summary).getByText('My cat')).toBeInTheDocument();
  expect(within(summary).getByRole('button', { name: 'Print my plan' })).toBeInTheDocument();
});

test('adding rows and saving PUTs the whole plan', async () => {
  const { user } = renderAt(<SafetyPlanPage />);
  await screen.findByLabelText('Warning sign 1');

  await user.click(screen.getByRole('button', { name: 'Add a warning sign' }));
  const second = screen.getByLabelText('Warning sign 2');
  expect(second).toHaveFocus();
  await user.type(second, 'Pulling away from friends');

  await user.click(screen.getByRole('button', { name: 'Add a person' }));
  const person = screen.getByRole('group', { name: 'Person 1' });
  await user.type(within(person).getByLabelText(/Name/), 'Sam');
  await user.type(within(person).getByLabelText(/Phone, e-mail or address/), '07700 900123');

  // An empty row is left out rather than sent as an invalid entry.
  await user.click(screen.getByRole('button', { name: 'Add a reason' }));

  await user.click(screen.getByRole('button', { name: 'Save my plan' }));
  expect(await screen.findByText('Saved')).toBeInTheDocument();

  const puts = callsTo('PUT', '/api/me/safety-plan');
  expect(puts).toHaveLength(1);
  expect(puts[0].body).toEqual({
    warningSigns: ['Not sleeping', 'Pulling away from friends'],
    copingStrategies: ['A walk by the river'],
    distractions: [],
    peopleToAsk: [{ name: 'Sam', contact: '07700 900123' }],
    professionals: [{ name: 'Dr Lee', contact: '020 7946 0000' }],
    crisisLines: [{ name: 'Samaritans', contact: '116 123' }],
    saferEnvironment: [],
    reasonsForLiving: ['My cat'],
  });
  // The summary shows what was saved.
  const summary = screen.getByRole('region', { name: 'My plan at a glance' });
  expect(await within(summary).findByText('Sam: 07700 900123')).toBeInTheDocument();
});

test('removing a row leaves it out of the saved plan and keeps focus in the step', async () => {
  const { user } = renderAt(<SafetyPlanPage />);
  await screen.findByLabelText('Warning sign 1');
  await user.click(screen.getByRole('button', { name: 'Remove Crisis line 1' }));
  expect(screen.getByRole('button', { name: 'Add a crisis line' })).toHaveFocus();
  await user.click(screen.getByRole('button', { name: 'Save my plan' }));
  await screen.findByText('Saved');
  expect((callsTo('PUT', '/api/me/safety-plan')[0].body as { crisisLines: unknown[] }).crisisLines).toEqual([]);
});

test('a rejected entry is shown next to its step', async () => {
  route('PUT', '/api/me/safety-plan', () =>
    problem(422, 'validation_failed', [{ field: 'peopleToAsk[0].name', code: 'invalid_item', message: 'Each entry is 1 to 500 characters.' }]),
  );
  const { user } = renderAt(<SafetyPlanPage />);
  await screen.findByLabelText('Warning sign 1');
  await user.click(screen.getByRole('button', { name: 'Add a person' }));
  const person = screen.getByRole('group', { name: 'Person 1' });
  await user.type(within(person).getByLabelText(/Phone, e-mail or address/), '0123');
  await user.click(screen.getByRole('button', { name: 'Save my plan' }));
  expect(await screen.findByRole('alert')).toHaveTextContent('Please check the highlighted fields.');
  const step = screen.getByRole('group', { name: '4. People I can ask for help' });
  expect(within(step).getByText(/each contact needs a name/)).toBeInTheDocument();
  expect(screen.queryByText('Saved')).not.toBeInTheDocument();
});

test('speaks Spanish', async () => {
  await i18n.changeLanguage('es');
  renderAt(<SafetyPlanPage />);
  expect(await screen.findByRole('heading', { level: 1, name: 'Mi plan de seguridad' })).toBeInTheDocument();
  expect(await screen.findByRole('button', { name: 'Añadir una señal de alerta' })).toBeInTheDocument();
});

// The settings area's screens, as App.tsx routes them.
import './settings.css';

export { SettingsPage } from './SettingsPage';
export { MemoriesPage } from './MemoriesPage';
export { NotificationsPage } from './NotificationsPage';
export { SafetyPlanPage } from './SafetyPlanPage';
export { ClinicianPage, ClinicianPatientPage } from './ClinicianPages';

// The wellbeing screens, as App.tsx routes them.
import './wellbeing.css';

export { MoodPage } from './MoodPage';
export { GoalsPage } from './GoalsPage';
export { QuestionnairesPage } from './QuestionnairesPage';
export { InsightsPage } from './InsightsPage';

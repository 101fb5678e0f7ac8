// Every string the app shows goes through i18next. Each area of the app keeps
// its own strings (features/<area>/locales.ts, one namespace per area).
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import common from './common';
import chat from '../features/chat/locales';
import wellbeing from '../features/wellbeing/locales';
import settings from '../features/settings/locales';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
] as const;

const namespaces = { common, chat, wellbeing, settings };
const resources = Object.fromEntries(
  LANGUAGES.map(({ code }) => [
    code,
    Object.fromEntries(Object.entries(namespaces).map(([ns, strings]) => [ns, strings[code]])),
  ]),
);

export function initialLanguage(): string {
  const saved = localStorage.getItem('rebloom.language');
  if (saved && LANGUAGES.some((l) => l.code === saved)) return saved;
  const browser = navigator.language.slice(0, 2);
  return LANGUAGES.some((l) => l.code === browser) ? browser : 'en';
}

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: 'en',
  defaultNS: 'common',
  ns: Object.keys(namespaces),
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on('languageChanged', (lng) => {
  localStorage.setItem('rebloom.language', lng);
  document.documentElement.lang = lng;
});
document.documentElement.lang = i18n.language;

export default i18n;

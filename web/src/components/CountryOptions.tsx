import { useTranslation } from 'react-i18next';
import { countries } from './countries';

/** The options of a country <select>: `none` first (no country), then every country by its name in the UI's language. */
export function CountryOptions({ none }: { none: string }) {
  const { i18n } = useTranslation();
  return (
    <>
      <option value="">{none}</option>
      {countries(i18n.language).map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
        </option>
      ))}
    </>
  );
}

// Dates and numbers in the person's language (Intl), and times in their own
// time zone (the profile's) when it has one.
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../app/session';

/** A local calendar day (YYYY-MM-DD) as a Date at local midnight. */
export function parseDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

/** Today's local date as YYYY-MM-DD (for date inputs' `min`). */
export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function validZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

export interface Formatters {
  language: string;
  /** A number with at most `digits` decimals. */
  number: (n: number, digits?: number) => string;
  /** A calendar day (YYYY-MM-DD), by default e.g. "3 Nov 2026". */
  day: (day: string, options?: Intl.DateTimeFormatOptions) => string;
  /** Two calendar days as a range, e.g. "3–9 Nov 2026". */
  dayRange: (from: string, to: string) => string;
  /** An instant (RFC 3339) as date and time in the person's zone. */
  dateTime: (iso: string) => string;
  /** An instant (RFC 3339) as a date in the person's zone. */
  date: (iso: string) => string;
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const { profile } = useSession();
  const language = i18n.language;
  const zone = validZone(profile?.timezone);
  return useMemo(() => {
    const numbers = new Map<number, Intl.NumberFormat>();
    return {
      language,
      number: (n, digits = 1) => {
        let f = numbers.get(digits);
        if (!f) {
          f = new Intl.NumberFormat(language, { maximumFractionDigits: digits });
          numbers.set(digits, f);
        }
        return f.format(n);
      },
      day: (day, options = { dateStyle: 'medium' }) => new Intl.DateTimeFormat(language, options).format(parseDay(day)),
      dayRange: (from, to) =>
        new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).formatRange(parseDay(from), parseDay(to)),
      dateTime: (iso) =>
        new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso)),
      date: (iso) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: zone }).format(new Date(iso)),
    };
  }, [language, zone]);
}

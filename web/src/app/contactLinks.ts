// Links from a crisis line's contact as the server words it ("call or text 988",
// "text HOME to 741741", "call 0800 111 0 111 or 0800 111 0 222",
// "findahelpline.com"): `tel:` and `sms:` with the digits only, a web address
// as https. What cannot be dialled from here (WhatsApp without the country
// code) comes back without a link, to be shown as text.

type ContactKind = 'call' | 'text' | 'whatsapp' | 'web';

export interface ContactLink {
  kind: ContactKind;
  /** The number as written (spaces kept, e.g. `116 123`), or the web address. */
  number: string;
  /** The word to send, for `text HOME to 741741`. */
  keyword?: string;
  /** Null where the browser cannot open it. */
  href: string | null;
}

const VERBS: Record<string, ContactKind> = { call: 'call', text: 'text', sms: 'text', whatsapp: 'whatsapp' };

/** `tel:` wants the digits (and a leading +); a `#` short code is escaped. */
function dialable(number: string): string {
  const plus = number.trim().startsWith('+') ? '+' : '';
  const hash = number.trim().startsWith('#') ? '%23' : '';
  return plus + hash + number.replace(/\D/g, '');
}

function isWebAddress(contact: string): boolean {
  return /^(https?:\/\/)?([a-z0-9-]+\.)+[a-z]{2,}(\/\S*)?$/i.test(contact);
}

/** The number in a part: notes such as `(Buenos Aires)` and `, option 1` left out. */
function numberIn(text: string): string | null {
  const cleaned = text
    .replace(/\([^)]*[a-z][^)]*\)/gi, ' ')
    .split(',')[0]!
    .trim();
  const m = /^[+#]?[\d(][\d\s().-]*\d/.exec(cleaned);
  return m ? m[0].trim() : null;
}

/** A phone link. */
function callLink(number: string): ContactLink & { href: string } {
  return { kind: 'call', number, href: `tel:${dialable(number)}` };
}

function link(kind: ContactKind, number: string, keyword?: string): ContactLink {
  const digits = dialable(number);
  switch (kind) {
    case 'call':
      return callLink(number);
    case 'text':
      return keyword
        ? { kind, number, keyword, href: `sms:${digits}?&body=${encodeURIComponent(keyword)}` }
        : { kind, number, href: `sms:${digits}` };
    case 'whatsapp':
      // wa.me needs the number with its country code.
      return { kind, number, href: number.startsWith('+') ? `https://wa.me/${digits.replace('+', '')}` : null };
    case 'web':
      return { kind, number, href: /^https?:\/\//i.test(number) ? number : `https://${number}` };
  }
}

/** The ways to reach a line, in the order its contact gives them; empty when nothing in it can be reached. */
export function contactLinks(contact: string): ContactLink[] {
  const text = contact.trim();
  if (isWebAddress(text)) return [link('web', text)];
  const out: ContactLink[] = [];
  // A verb without a number ("call or text 988") applies to the next number too.
  let pending: ContactKind[] = [];
  let previous: ContactKind = 'call';
  for (const raw of text.split(/\s+or\s+/i)) {
    const part = raw.trim();
    const verb = /^(call|text|sms|whatsapp)\b\s*/i.exec(part);
    const kind: ContactKind = verb ? VERBS[verb[1]!.toLowerCase()]! : previous;
    const rest = verb ? part.slice(verb[0].length) : part;
    if (!rest) {
      pending.push(kind);
      continue;
    }
    const keyword = kind === 'text' ? /^([A-Za-z][\w-]*)\s+to\s+(.+)$/i.exec(rest) : null;
    const number = numberIn(keyword ? keyword[2]! : rest);
    if (number) {
      for (const k of [...pending, kind]) out.push(link(k, number, keyword?.[1]));
    }
    pending = [];
    previous = kind;
  }
  return out;
}

/** The emergency number as a phone link; null without a digit to dial (the international guidance has none). */
export function emergencyLink(number?: string | null): (ContactLink & { href: string }) | null {
  return number && /\d/.test(number) ? callLink(number) : null;
}

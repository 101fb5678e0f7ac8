import { contactLinks, emergencyLink } from './contactLinks';

const hrefs = (contact: string) => contactLinks(contact).map((l) => l.href);

test('US: 988 can be called or texted, the Crisis Text Line texted with its word', () => {
  expect(contactLinks('call or text 988')).toEqual([
    { kind: 'call', number: '988', href: 'tel:988' },
    { kind: 'text', number: '988', href: 'sms:988' },
  ]);
  expect(contactLinks('text HOME to 741741')).toEqual([
    { kind: 'text', number: '741741', keyword: 'HOME', href: 'sms:741741?&body=HOME' },
  ]);
  expect(emergencyLink('911')).toEqual({ kind: 'call', number: '911', href: 'tel:911' });
});

test('an emergency number without a digit to dial is no link', () => {
  expect(emergencyLink('1 1 2')).toEqual({ kind: 'call', number: '1 1 2', href: 'tel:112' });
  expect(emergencyLink(null)).toBeNull();
  expect(emergencyLink(undefined)).toBeNull();
  expect(emergencyLink('')).toBeNull();
  expect(emergencyLink('local emergency services')).toBeNull();
});

test('GB: Samaritans and Shout', () => {
  expect(contactLinks('call 116 123')).toEqual([{ kind: 'call', number: '116 123', href: 'tel:116123' }]);
  expect(hrefs('text SHOUT to 85258')).toEqual(['sms:85258?&body=SHOUT']);
});

test('DE: two numbers for one line are two phone links', () => {
  expect(contactLinks('call 0800 111 0 111 or 0800 111 0 222')).toEqual([
    { kind: 'call', number: '0800 111 0 111', href: 'tel:08001110111' },
    { kind: 'call', number: '0800 111 0 222', href: 'tel:08001110222' },
  ]);
});

test('a web address is an https link', () => {
  expect(contactLinks('findahelpline.com')).toEqual([
    { kind: 'web', number: 'findahelpline.com', href: 'https://findahelpline.com' },
  ]);
  expect(hrefs('iasp.info/crisis-centres-helplines')).toEqual(['https://iasp.info/crisis-centres-helplines']);
});

test('a phone line and a text line in one contact, and notes left out of the number', () => {
  expect(hrefs('call 1-800-668-6868 or text CONNECT to 686868')).toEqual(['tel:18006686868', 'sms:686868?&body=CONNECT']);
  expect(hrefs('call 13 11 14 or text 0477 13 11 14')).toEqual(['tel:131114', 'sms:0477131114']);
  expect(hrefs('call 135 (Buenos Aires) or (011) 5275-1135')).toEqual(['tel:135', 'tel:01152751135']);
  expect(hrefs('call 079, option 1')).toEqual(['tel:079']);
  expect(hrefs('call +44 116 123')).toEqual(['tel:+44116123']);
  expect(hrefs('call #8008')).toEqual(['tel:%238008']);
});

test('WhatsApp without a country code cannot be opened from here; nothing to dial gives nothing', () => {
  expect(contactLinks('call 016 or WhatsApp 600 000 016')).toEqual([
    { kind: 'call', number: '016', href: 'tel:016' },
    { kind: 'whatsapp', number: '600 000 016', href: null },
  ]);
  expect(contactLinks('ask at the front desk')).toEqual([]);
});

import i18n, { LANGUAGES } from './index';

function keys(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}

test('every language has every string of every namespace, none empty', () => {
  const en = i18n.getDataByLanguage('en');
  expect(en).toBeDefined();
  for (const { code } of LANGUAGES) {
    const other = i18n.getDataByLanguage(code);
    for (const ns of Object.keys(en ?? {})) {
      const want = keys(en?.[ns]).sort();
      expect(keys(other?.[ns]).sort(), `${code}/${ns}`).toEqual(want);
      for (const key of want) expect(i18n.getFixedT(code, ns)(key), `${code}/${ns}:${key}`).not.toBe('');
    }
  }
});

test('Spanish is really translated', () => {
  expect(i18n.getFixedT('es', 'common')('auth.signIn')).toBe('Entrar');
  expect(i18n.getFixedT('es', 'chat')('send')).toBe('Enviar');
});

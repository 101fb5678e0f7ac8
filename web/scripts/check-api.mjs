// Fails when src/api/schema.d.ts differs from what openapi-typescript makes of
// ../docs/openapi.json (the server's document, itself checked by a Rust test).
import { readFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const spec = new URL('../../docs/openapi.json', import.meta.url);
const committed = readFileSync(new URL('../src/api/schema.d.ts', import.meta.url), 'utf8');
const fresh = astToString(await openapiTS(spec));
const strip = (s) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
if (strip(committed) !== strip(fresh)) {
  console.error('web/src/api/schema.d.ts is out of date: run `npm run api:generate --prefix web`');
  process.exit(1);
}
console.log('web/src/api/schema.d.ts matches docs/openapi.json');

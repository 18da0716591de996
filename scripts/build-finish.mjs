// After `tsc -b`: marks the SDK's CommonJS build as CommonJS (its folder's own package.json), so
// `require('@partner-commerce/sdk')` loads dist/cjs/*.js as CommonJS inside a "type": "module" package.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, 'packages/sdk/dist/cjs/package.json'), '{ "type": "commonjs" }\n');

// `pcx` for the tests: the TypeScript entry point through tsx, so they need no build and never run a
// stale one. The installed command is bin/pcx.js, which runs the compiled dist/main.js.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

#!/usr/bin/env node
// `pcx`: runs the TypeScript entry point through tsx (the project has no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

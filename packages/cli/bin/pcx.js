#!/usr/bin/env node
// `pcx` in development: runs the TypeScript entry point through tsx, so the tests need no build.
// The published package's `pcx` is the compiled dist/main.js (package.json "bin").
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

#!/usr/bin/env node
// `pcx`: the compiled CLI (`npm run build` writes dist/; a file of its own so npm links the command
// even before a fresh checkout is built).
import '../dist/main.js';

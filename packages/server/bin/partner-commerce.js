#!/usr/bin/env node
// `partner-commerce` (what `npx @partner-commerce/server` runs): the compiled dist/bin.js, in a file of
// its own so npm links the command even before a fresh checkout is built.
import '../dist/bin.js';

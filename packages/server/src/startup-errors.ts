/**
 * Start-up mistakes a user can fix (issue 14: "one clear line with the cause and a hint, and a
 * non-zero exit, never a stack trace"). Every entry point opens the database through this.
 */
import { DataDirLockedError } from './db/data-dir-lock.js';

/** Prints one line for a mistake the user can fix and exits 1; anything else is a bug and goes up. */
export function failStart(err: unknown): never {
  if (err instanceof DataDirLockedError) {
    process.stderr.write(`partner-commerce: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

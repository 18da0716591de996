/**
 * Start-up mistakes a user can fix (issue 14: "one clear line with the cause and a hint, and a
 * non-zero exit, never a stack trace"): a locked or unwritable data directory, or one holding
 * something else than a database, a port in use, a database that cannot be reached or does not
 * exist, a malformed setting. Each entry point runs its
 * start-up through failStart; anything not recognised here is a bug and keeps its stack trace.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { DataDirLockedError, DataDirUnusableError } from './db/data-dir-lock.js';
import { DataDirNotADatabaseError } from './db/pglite-data-dir.js';

interface SystemError {
  code?: string;
  message?: string;
  path?: string;
  port?: number;
  address?: string;
  syscall?: string;
}

/** The line to print for a mistake the user can fix, or undefined for anything else. */
export function explainStartError(err: unknown): string | undefined {
  if (err instanceof DataDirLockedError || err instanceof DataDirUnusableError || err instanceof DataDirNotADatabaseError || err instanceof ConfigError) {
    return err.message;
  }
  const e = (err ?? {}) as SystemError;
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : `port ${e.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another partner-commerce?): stop that process or set PORT to a free port (PORT=0 picks one).`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: this machine has no such address; set HOST (e.g. 127.0.0.1 or 0.0.0.0).`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `cannot reach the PostgreSQL server of DATABASE_URL (${e.code}${e.address ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : ''}): is it running, and is the host right? Unset DATABASE_URL to use the embedded database.`;
    case '3D000':
      return `${e.message} on the PostgreSQL server of DATABASE_URL: create it (createdb) or fix the database name.`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused the sign-in of DATABASE_URL (${e.message}): check its user and password.`;
    case 'EACCES':
      return e.syscall === 'listen' ? `not allowed to listen on ${where}: ports under 1024 need privileges; set PORT to 1024 or above.` : undefined;
    default:
      return undefined;
  }
}

/** Prints one line for a mistake the user can fix and exits 1; anything else is a bug and goes up. */
export function failStart(err: unknown): never {
  const line = explainStartError(err);
  if (line === undefined) throw err;
  process.stderr.write(`partner-commerce: ${line}\n`);
  process.exit(1);
}

/** The configuration from the environment, or one line about the setting that is wrong and exit 1. */
export function loadConfigOrFail(): Config {
  try {
    return loadConfig();
  } catch (err) {
    return failStart(err);
  }
}

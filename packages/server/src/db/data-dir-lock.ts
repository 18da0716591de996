/**
 * An exclusive lock on a PGlite data directory. PGlite is one process's database: two processes on
 * one directory each keep their own copy in memory and overwrite each other's files, so what one of
 * them committed is lost at the next start (issue 14). The lock is a file beside the directory,
 * `<dir>.lock`, naming the process that holds it, as PostgreSQL's own `postmaster.pid` does:
 * - it is created atomically (written in full under a temporary name, then hard-linked into place,
 *   which fails if the lock exists), so a reader never sees half a lock;
 * - a lock whose process is gone (killed, crashed) is stale: the next start removes it and takes the
 *   directory. "Gone" is decided from the pid and that process's start time, not from a heartbeat:
 *   PGlite's WebAssembly start-up blocks the event loop for seconds, which would make a heartbeat
 *   lock (e.g. proper-lockfile's mtime refresh) look abandoned while its holder is alive;
 * - removing a stale lock happens under a second, short-lived lock (`<dir>.lock.takeover`, made with
 *   mkdir), so two starts that find the same stale lock cannot remove each other's new one.
 */
import { link, mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

interface Holder {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux /proc/<pid>/stat), telling a reused pid apart. */
  startTime?: string;
  host: string;
  since: string;
}

/** Another live process holds the directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: Holder,
  ) {
    super(
      `PGlite data directory ${dataDir} is in use by another process (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, since ${holder.since}); ` +
        'stop it, or start this one with another PC_DATA_DIR (or DATABASE_URL for a shared PostgreSQL).',
    );
  }
}

/** The directory (or its lock beside it) cannot be created or written. */
export class DataDirUnusableError extends Error {
  constructor(dataDir: string, cause: NodeJS.ErrnoException) {
    super(
      `cannot use the data directory ${dataDir} (${cause.code ?? cause.message}${cause.path ? ` on ${cause.path}` : ''}): ` +
        'set PC_DATA_DIR to a writable directory, or memory:// to keep nothing.',
    );
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Linux: field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process a lock names still runs (a lock from another host is taken to be live). */
function isAlive(holder: Holder): boolean {
  if (holder.pid <= 0) return false;
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStartTime(holder.pid);
  return !(holder.startTime && start && start !== holder.startTime);
}

const UNOWNED: Holder = { pid: -1, host: hostname(), since: 'unknown' };

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) ? holder : UNOWNED;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable: no process owns it (ours are always written whole, then linked).
    return UNOWNED;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A takeover lock older than this was left by a process that died while removing a stale lock. */
const TAKEOVER_STALE_MS = 10_000;

/** Removes the lock at `path` if it still names `stale`, under the takeover lock; false when busy. */
async function removeStale(path: string, stale: Holder): Promise<boolean> {
  const guard = `${path}.takeover`;
  try {
    await mkdir(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await rmdir(guard).catch(() => {});
    return false;
  }
  try {
    const now = await readHolder(path);
    if (now && now.pid === stale.pid && now.startTime === stale.startTime && now.since === stale.since) await unlink(path).catch(() => {});
    return true;
  } finally {
    await rmdir(guard).catch(() => {});
  }
}

/** Links the whole lock file `temp` into place at `path`, removing a stale lock on the way. */
async function takeLock(dir: string, path: string, temp: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      return await link(temp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (!holder) continue; // released between our two steps
    if (isAlive(holder)) throw new DataDirLockedError(dir, holder);
    if (!(await removeStale(path, holder))) await sleep(50); // another start is removing it
  }
  throw new Error(`could not take the lock ${path}: other processes keep replacing it`);
}

/**
 * Takes the exclusive lock on a PGlite data directory (`<dataDir>.lock`), or throws
 * DataDirLockedError naming the process that holds it. `release()` (or the process's exit) removes
 * it; a process killed outright leaves it behind, and the next start sees that its holder is gone.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const path = `${dir}.lock`;
  const me: Holder = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname(), since: new Date().toISOString() };
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(dirname(dir), { recursive: true });
    await writeFile(temp, JSON.stringify(me) + '\n');
  } catch (err) {
    throw new DataDirUnusableError(dir, err as NodeJS.ErrnoException);
  }
  try {
    await takeLock(dir, path, temp);
  } finally {
    await unlink(temp).catch(() => {});
  }
  let released = false;
  const releaseSync = () => {
    if (released) return;
    released = true;
    try {
      const holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      if (holder.pid === me.pid && holder.since === me.since) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  // An exit without close (process.exit after an error) still gives the directory back.
  process.once('exit', releaseSync);
  return {
    path,
    async release() {
      process.off('exit', releaseSync);
      releaseSync();
    },
  };
}

/**
 * A PGlite data directory made ready before PGlite opens it: a first start that says what it does
 * and stays light (issue 14).
 *
 * PGlite creates a missing directory itself, by running initdb in a second WebAssembly PostgreSQL
 * inside the same process; that instance's ~450 MB stay resident for the life of the process
 * (WebAssembly memory is never given back), and initdb takes 4-10 s. Instead a new directory is made
 * here, before PGlite opens it:
 * - from the **prepared image** (`npm run build:db-image`: a data directory already initialised and
 *   migrated, as a gzip tar beside a manifest) when one fits this PGlite and these migrations:
 *   unpacked in well under a second, no initdb, no migrations left to apply;
 * - otherwise by initdb in a child process, whose memory goes with it.
 * Either way the directory is made under a temporary name and renamed into place, so a start killed
 * half-way leaves no half-made database behind. PGlite then opens it as an existing one.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import type { Migration } from './migrate.js';
import { DataDirUnusableError } from './data-dir-lock.js';

/**
 * PostgreSQL settings for the embedded engine, a sandbox's sizes. PostgreSQL's default 128 MB of
 * shared buffers are touched in full at start-up inside PGlite's WebAssembly memory, 165 MB of RSS
 * before any query. 16 MB: CPU per checkout in alternating bench runs stayed within their noise
 * (docs/performance.md, "Start-up"); beyond it PostgreSQL reads pages back through the file system.
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/** PGlite's own start parameters plus ours (passing `startParams` replaces PGlite's defaults). */
export async function pgliteStartParams(): Promise<string[]> {
  const { PGlite } = await import('@electric-sql/pglite');
  return [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])];
}

/**
 * A PGlite on `dataDir` as the service runs it: our settings, and its WebAssembly compiled by V8's
 * baseline compiler alone (Liftoff). The optimising compiler's code, and the memory its background
 * threads leave behind, cost a sandbox 50-85 MB of RSS for little speed: most of a request's time
 * is JavaScript (docs/performance.md, "Start-up"). The flag holds for the whole process, whose only
 * WebAssembly is PGlite's; set before PGlite compiles its module.
 */
export async function newPGlite(dataDir: string, { loadDataDir }: { loadDataDir?: Blob } = {}): Promise<PGlite> {
  setFlagsFromString('--liftoff-only');
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(dataDir, { startParams: await pgliteStartParams(), loadDataDir });
  await pglite.waitReady;
  return pglite;
}

/** Where `npm run build:db-image` writes the prepared image and where start-up looks for it. */
export const IMAGE_DIR = fileURLToPath(new URL('../../prepared/', import.meta.url));
const IMAGE_FILE = 'pglite-data.tar.gz';
const MANIFEST_FILE = 'pglite-data.json';

export interface ImageManifest {
  /** The PGlite version that made it: another one may run another PostgreSQL major version. */
  pglite: string;
  /** The migrations applied in it, in order, with the SHA-256 of each file. */
  migrations: { name: string; sha256: string }[];
  created: string;
}

/** The installed PGlite's version (its package.json is not among its exports, so found beside its entry). */
export async function pgliteVersion(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

export const migrationDigest = (m: Migration) => ({ name: m.name, sha256: createHash('sha256').update(m.sql).digest('hex') });

/** The prepared image if one is there and fits: same PGlite, and its migrations a prefix of ours, unchanged. */
export async function findImage(migrations: Migration[], dir = IMAGE_DIR): Promise<{ file: string; manifest: ImageManifest } | { unfit: string } | undefined> {
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ImageManifest;
  } catch {
    return undefined;
  }
  const version = await pgliteVersion();
  if (manifest.pglite !== version) return { unfit: `made by PGlite ${manifest.pglite}, this is ${version}` };
  const ours = migrations.map(migrationDigest);
  const differs = manifest.migrations.find((m, i) => ours[i]?.name !== m.name || ours[i]?.sha256 !== m.sha256);
  if (differs) return { unfit: `its migration ${differs.name} is not this code's` };
  return { file: join(dir, IMAGE_FILE), manifest };
}

/** Writes the image (PGlite's dumpDataDir of a migrated database) and its manifest: the build. */
export async function writeImage(tarGz: Blob, migrations: Migration[], dir = IMAGE_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const manifest: ImageManifest = { pglite: await pgliteVersion(), migrations: migrations.map(migrationDigest), created: new Date().toISOString() };
  await writeFile(join(dir, IMAGE_FILE), Buffer.from(await tarGz.arrayBuffer()));
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return join(dir, IMAGE_FILE);
}

/** A directory that holds something, but no database: PGlite would initdb into it among the other files. */
export class DataDirNotADatabaseError extends Error {
  constructor(dataDir: string) {
    super(
      `the data directory ${dataDir} holds other files and no database (no PG_VERSION): ` +
        'set PC_DATA_DIR to a new or empty directory, or to the one a previous start created.',
    );
  }
}

/**
 * Unpacks a gzip'd ustar archive (PGlite's dumpDataDir format: directories and regular files, named
 * from the archive's root) into `into`. Inflated in one piece of the size the gzip trailer gives, and
 * written synchronously: one large buffer that is given back whole once collected, where a stream's
 * thousands of small chunks and pending writes left ~18 MB of RSS behind. Links, devices and names
 * leaving `into` are refused.
 */
function untarGz(file: string, into: string): void {
  const root = resolve(into);
  const gz = readFileSync(file);
  const tar = gunzipSync(gz, { chunkSize: Math.max(64 * 1024, gz.readUInt32LE(gz.length - 4)) });
  const field = (start: number, length: number) => tar.toString('utf8', start, start + length).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length; ) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) return; // end of archive
    const prefix = field(at + 345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(at, 100);
    const size = parseInt(field(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] || 48);
    const target = resolve(root, `.${sep}${name}`);
    if (target !== root && !target.startsWith(root + sep)) throw new Error(`prepared image: ${name} lies outside the data directory`);
    at += 512;
    if (type === '5') mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (type === '0') {
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, tar.subarray(at, at + size), { mode: 0o600 });
      at += Math.ceil(size / 512) * 512;
    } else throw new Error(`prepared image: ${name} is of tar type ${type}, not a file or a directory`);
  }
  throw new Error('prepared image: the archive ends early');
}

/** initdb of a new directory in a child process: its WebAssembly memory ends with it. */
async function initdbInChild(dir: string, startParams: string[]): Promise<void> {
  const script = `const { PGlite } = await import(process.argv[1]);
const pg = new PGlite(process.argv[2], { startParams: JSON.parse(process.argv[3]) });
await pg.waitReady;
await pg.close();`;
  await new Promise<void>((done, fail) =>
    execFile(
      process.execPath,
      // Liftoff alone here too: initdb in 4-5 s instead of 6-9 (the optimising compiler's work is wasted on a one-off run).
      ['--liftoff-only', '--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dir, JSON.stringify(startParams)],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => (err ? fail(new Error(`initdb of ${dir} failed: ${stderr.trim() || err.message}`)) : done()),
    ),
  );
}

const permissionError = (err: unknown) => ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '');

export type DataDirStart = { made: 'existing' } | { made: 'image'; migrations: number } | { made: 'initdb'; unfitImage?: string };

/**
 * Makes `dataDir` a PGlite data directory if it is not one yet (the caller holds its lock). An
 * existing database is left alone; a missing or empty directory is made from the prepared image, or
 * by initdb in a child process; a file, or a directory holding other files, is refused.
 */
export async function prepareDataDir(
  dataDir: string,
  opts: { migrations: Migration[]; startParams: string[]; progress?: (line: string) => void; imageDir?: string },
): Promise<DataDirStart> {
  const dir = resolve(dataDir);
  const unusable = (code: string, message: string) => new DataDirUnusableError(dir, Object.assign(new Error(message), { code, path: dir }));
  const entries = await readdir(dir).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR') throw unusable('ENOTDIR', 'not a directory');
    throw new DataDirUnusableError(dir, err);
  });
  if (entries?.includes('PG_VERSION')) {
    opts.progress?.(`opening the database in ${dataDir}`);
    return { made: 'existing' };
  }
  if (entries?.length) throw new DataDirNotADatabaseError(dataDir);

  const tempPrefix = `.${basename(dir)}.new-`;
  const temp = join(dirname(dir), `${tempPrefix}${process.pid}`);
  const image = await findImage(opts.migrations, opts.imageDir);
  let result: DataDirStart | undefined;
  try {
    // What a start killed while making this directory left (we hold its lock: no one else is making it).
    for (const left of (await readdir(dirname(dir))).filter((f) => f.startsWith(tempPrefix))) await rm(join(dirname(dir), left), { recursive: true, force: true });
    let unfit = image && 'unfit' in image ? image.unfit : undefined;
    if (image && 'file' in image) {
      opts.progress?.(`creating the database in ${dataDir} from the prepared image (${image.manifest.migrations.length} migrations applied)`);
      try {
        untarGz(image.file, temp);
        result = { made: 'image', migrations: image.manifest.migrations.length };
      } catch (err) {
        // Writing the directory failed: so would initdb. Reading the image failed: a damaged install, initdb still works.
        if (permissionError(err) && (err as NodeJS.ErrnoException).path?.startsWith(temp)) throw err;
        unfit = `unreadable: ${(err as Error).message}`;
        await rm(temp, { recursive: true, force: true });
      }
    }
    if (!result) {
      opts.progress?.(`creating the database in ${dataDir}: initdb, a few seconds${unfit ? ` (the prepared image does not fit: ${unfit})` : ''}`);
      await mkdir(temp, { recursive: true, mode: 0o700 });
      await initdbInChild(temp, opts.startParams);
      result = { made: 'initdb', unfitImage: unfit };
    }
    if (entries) await rmdir(dir); // empty (checked above); rename does not replace a directory everywhere
    await rename(temp, dir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    if (permissionError(err)) throw new DataDirUnusableError(dir, err as NodeJS.ErrnoException);
    throw err;
  }
  return result;
}

/**
 * `npm run build:db-image`: the prepared image a first start on a new PGlite data directory unpacks
 * instead of running initdb and the migrations (db/pglite-data-dir.ts). Made here the way a start
 * makes a database: initdb, then every migration; then dumped by PGlite as a gzip tar.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from './db/database.js';
import { loadMigrations, migrate } from './db/migrate.js';
import { IMAGE_DIR, findImage, newPGlite, writeImage } from './db/pglite-data-dir.js';

/** Builds the image into `imageDir`; returns the archive's path. */
export async function buildImage(imageDir = IMAGE_DIR, progress?: (line: string) => void): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'pc-db-image-'));
  const dataDir = join(work, 'data');
  try {
    // No image to start from: this builds it.
    const db = await openDatabase({ dataDir, progress, imageDir: join(work, 'no-image') });
    await migrate(db, progress);
    await db.close();
    const pglite = await newPGlite(dataDir); // ready: dumpDataDir called before never settles
    try {
      return await writeImage(await pglite.dumpDataDir('gzip'), await loadMigrations(), imageDir);
    } finally {
      await pglite.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Part of `npm run build`: made again only when the migrations or PGlite changed (or with --force).
  const found = await findImage(await loadMigrations(), IMAGE_DIR);
  if (found && 'file' in found && !process.argv.includes('--force')) {
    process.stdout.write(`prepared image: ${found.file} is up to date\n`);
  } else {
    const progress = (line: string) => process.stdout.write(`${line}\n`);
    progress(`prepared image: ${await buildImage(IMAGE_DIR, progress)} (its manifest beside it)`);
  }
}

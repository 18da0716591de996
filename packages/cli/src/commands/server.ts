/** `pcx serve` and `pcx worker`: the server package's service and provisioning worker, in this process. */
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

export function registerServerCommands(program: Command, { action }: Context): void {
  program
    .command('serve')
    .description('run the partner-commerce service in this process (the same as `npm start`)')
    .option('--port <port>', 'listening port (0: any free port)')
    .option('--host <host>', 'listening address')
    .option('--data-dir <dir>', 'PGlite data directory (memory:// keeps nothing)')
    .option('--database-url <url>', 'PostgreSQL instead of the embedded PGlite')
    .action(
      action(async (_ctx, opts: { port?: string; host?: string; dataDir?: string; databaseUrl?: string }) => {
        if (opts.port !== undefined) process.env.PORT = opts.port;
        if (opts.host !== undefined) process.env.HOST = opts.host;
        if (opts.dataDir !== undefined) process.env.PC_DATA_DIR = opts.dataDir;
        if (opts.databaseUrl !== undefined) process.env.DATABASE_URL = opts.databaseUrl;
        // The server's own entry point: it listens, prints its URL and credentials, and exits on SIGTERM/SIGINT.
        await importServer('main');
        await new Promise(() => {}); // serve until a signal ends the process
      }),
    );

  program
    .command('worker')
    .description('run a provisioning worker in this process (the same as `npm run worker`; any number on one PostgreSQL)')
    .option('--database-url <url>', 'the PostgreSQL the API processes use')
    .action(
      action(async (_ctx, opts: { databaseUrl?: string }) => {
        if (opts.databaseUrl !== undefined) process.env.DATABASE_URL = opts.databaseUrl;
        // The worker's own entry point: it claims jobs until SIGTERM/SIGINT, then finishes its job and exits.
        await importServer('worker');
        await new Promise(() => {});
      }),
    );
}

/** Runs an entry point of the server package, an optional peer of the CLI (`pcx serve`, `pcx worker`). */
async function importServer(entry: 'main' | 'worker'): Promise<void> {
  const specifier = `@partner-commerce/server/${entry}`; // a variable: the CLI builds without the server's types
  try {
    await import(specifier);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('@partner-commerce/server');
    if (!missing) throw err;
    throw new UsageError('this command runs the server package: `npm install @partner-commerce/server`, or start the sandbox with `npx @partner-commerce/server`');
  }
}

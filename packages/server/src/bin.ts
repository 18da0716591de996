/**
 * `partner-commerce` (the server package's one command, so `npx @partner-commerce/server` starts it):
 *   partner-commerce [serve]            the service: the sandbox on ./.data, or DATABASE_URL
 *   partner-commerce worker             a provisioning worker of its own
 *   partner-commerce migrate            apply pending migrations and exit
 *   partner-commerce check-consistency  scan the database; exit 1 on any violation
 * Settings come from the environment (PORT, HOST, DATABASE_URL, PC_DATA_DIR, …; see the README).
 */
const commands: Record<string, string> = {
  serve: './main.js',
  worker: './worker-main.js',
  migrate: './migrate.js',
  'check-consistency': './check-consistency.js',
};
const [command = 'serve', ...rest] = process.argv.slice(2);

if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(
    'usage: partner-commerce [serve|worker|migrate|check-consistency]\n' +
      'Settings come from the environment: PORT, HOST, DATABASE_URL, PC_DATA_DIR, LOG_LEVEL, PC_* (see the README).\n',
  );
} else if (command === '--version' || command === '-v') {
  const { createRequire } = await import('node:module');
  process.stdout.write(`${(createRequire(import.meta.url)('../package.json') as { version: string }).version}\n`);
} else if (!(command in commands) || rest.length > 0) {
  process.stderr.write(`partner-commerce: unknown command "${[command, ...rest].join(' ')}"; try: partner-commerce --help\n`);
  process.exitCode = 2;
} else {
  await import(commands[command]!);
}

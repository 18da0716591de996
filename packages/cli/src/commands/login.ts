/** `pcx login` and `pcx logout`: sign in to the sandbox or a cloud and remember it, or forget it. */
import { Option, type Command } from 'commander';
import { configPath, deleteConfig, type PcxConfig } from '../config.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

/** The sandbox's documented defaults (README): its URL and its demo partner's user. */
export const SANDBOX = {
  baseUrl: 'http://127.0.0.1:8080',
  username: 'admin@demo-partner.onmicrosoft.com',
  password: 'sandbox-password',
};

export function registerLoginCommands(program: Command, { io, action, client }: Context): void {
  program
    .command('login')
    .description('sign in and remember it: the local sandbox (--sandbox), or a cloud with app or user credentials')
    .option('--sandbox', `the local service at ${SANDBOX.baseUrl} (or --base-url) as its demo partner's user, unless other credentials are given`)
    .option('--base-url <url>', 'API base URL of a partner-commerce service (its tokens come from <url>/oauth2/token)')
    .addOption(new Option('--cloud <name>', 'Partner Center cloud').choices(['global', 'china', '21vianet', 'germany', 'usgov']))
    .option('--tenant <tenant>', "the partner's tenant id or domain (signing in to a cloud)")
    .option('--client-id <id>', 'application (client) id')
    .addOption(new Option('--client-secret <secret>', 'application secret: app-only sign-in').env('PCX_CLIENT_SECRET'))
    .option('--username <upn>', 'user name: app+user sign-in')
    .addOption(new Option('--password <password>', "the user's password").env('PCX_PASSWORD'))
    .action(
      action(async ({ out, globals }, opts: Record<string, string | boolean | undefined>) => {
        const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
        let baseUrl = str('baseUrl');
        const cloud = str('cloud');
        if (opts.sandbox) baseUrl ??= io.env.PCX_BASE_URL ?? SANDBOX.baseUrl;
        if (!baseUrl && !cloud) throw new UsageError('say where to sign in: --sandbox, --base-url <url> or --cloud <name>.');
        let credentials: PcxConfig['credentials'];
        if (str('clientSecret')) {
          if (!str('clientId')) throw new UsageError('--client-secret needs --client-id.');
          credentials = { clientId: str('clientId')!, clientSecret: str('clientSecret')!, tenant: str('tenant') };
        } else if (str('username') || opts.sandbox) {
          const username = str('username') ?? SANDBOX.username;
          const password = str('password') ?? (str('username') ? undefined : SANDBOX.password);
          if (!password) throw new UsageError('--username needs --password (or $PCX_PASSWORD).');
          credentials = { username, password, clientId: str('clientId'), tenant: str('tenant') };
        } else {
          throw new UsageError('give --client-id and --client-secret (app-only), or --username and --password (app+user).');
        }
        const config: PcxConfig = { baseUrl, cloud: baseUrl ? undefined : cloud, credentials };
        const path = configPath(io.env, globals.config);
        const partner = client(config, path, globals, out);
        await partner.getAccessToken({ forceRefresh: true }); // proves the credentials; the cache saves the config
        const who = 'clientSecret' in credentials ? `app ${credentials.clientId}` : `user ${credentials.username}`;
        out.result({ baseUrl: partner.baseUrl, cloud: partner.cloud?.name ?? null, signedInAs: who, config: path }, () =>
          `signed in to ${partner.baseUrl} as ${who}\nconfig: ${path}\n`,
        );
      }),
    );

  program
    .command('logout')
    .description('forget the saved credentials and token')
    .action(
      action(async ({ out, globals }) => {
        const path = configPath(io.env, globals.config);
        const removed = await deleteConfig(path);
        out.result({ removed, config: path }, () => (removed ? `signed out (${path} removed)\n` : 'not signed in\n'));
      }),
    );
}

/**
 * The `pcx` program: its global options and one group of commands per noun, each in
 * `commands/<noun>.ts` as the server's `modules/` (STYLE.md 15). The commands are named after the
 * Partner Center PowerShell cmdlets' verbs and nouns (`pcx cart submit` is
 * `Submit-PartnerCustomerCart -CustomerId -CartId`), on the SDK.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerCartCommands } from './commands/cart.js';
import { registerCustomerCommands, registerDomainCommands } from './commands/customer.js';
import { registerLoginCommands } from './commands/login.js';
import { registerOrderCommands } from './commands/order.js';
import { registerProductCommands } from './commands/product.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { registerServerCommands } from './commands/server.js';
import { registerSubscriptionCommands } from './commands/subscription.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import { registerEventCommands } from './commands/events.js';
import { createContext, type Io, type RunState } from './context.js';
import { ExitCode, report } from './errors.js';
import { Output } from './output.js';

export type { Io } from './context.js';

/** Runs `pcx` with `argv` (as process.argv: node, script, args…); resolves with the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const state: RunState = { out: new Output(io.env.PCX_OUTPUT === 'json' ? 'json' : 'table', io.stdout, io.stderr), exit: ExitCode.Ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    return report(err, state.out, state.service);
  } finally {
    state.out.progress.clear();
  }
  return state.exit;
}

function buildProgram(io: Io, state: RunState): Command {
  const program = new Command('pcx')
    .description('Partner Center commerce from the shell: customers, catalog, carts, checkout, orders.')
    .version('0.1.0')
    .addOption(
      new Option('-o, --output <format>', 'json for scripts, table for people')
        .choices(['json', 'table'])
        .default(io.env.PCX_OUTPUT === 'json' ? 'json' : 'table'),
    )
    .option('--config <path>', 'config file (default: $PCX_CONFIG or ~/.config/pcx/config.json)')
    .option('-v, --verbose', 'print each HTTP attempt and retry on stderr')
    .option('-q, --quiet', 'no progress on stderr while waiting (errors and warnings still print)')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const context = createContext(io, state);
  // In the order `pcx --help` lists them.
  for (const register of [
    registerLoginCommands,
    registerCustomerCommands,
    registerDomainCommands,
    registerProductCommands,
    registerCartCommands,
    registerOrderCommands,
    registerSubscriptionCommands,
    registerWebhookCommands,
    registerSandboxCommands,
    registerEventCommands,
    registerServerCommands,
  ]) {
    register(program, context);
  }
  return program;
}

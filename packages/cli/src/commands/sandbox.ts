/** `pcx sandbox clock`: the signed-in partner's clock in the sandbox (the server's `modules/sandbox` and `modules/clock`). */
import { InvalidArgumentError, type Command } from 'commander';
import { toIsoDuration, type ClockState } from '@partner-commerce/sdk';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { renderFields } from '../output.js';

export function registerSandboxCommands(program: Command, { action, connect }: Context): void {
  const sandbox = program.command('sandbox').description("the sandbox's controls for the signed-in partner (not Partner Center's)");
  const clock = sandbox.command('clock').description("the partner's clock: real time unless moved forward");
  const show = (c: ClockState) => renderFields([['now', c.now], ['ahead by', describeOffset(c.offsetSeconds)]]);
  clock
    .command('get')
    .description("read the partner's clock")
    .action(
      action(async ({ out, globals }) => {
        const c = await (await connect(globals, out)).sandbox.clock.get();
        out.result(c, () => show(c));
      }),
    );
  clock
    .command('advance')
    .description('move the clock forward (8d, 12h, 1y, 2w, 3mo, 30m, P8D…) or --to an instant; what falls due runs first')
    .argument('[duration]', 'how far: 8d, 12h, 1y, 1d12h, or ISO-8601 (P8D, PT12H)', isoDuration)
    .option('--to <instant>', 'an ISO-8601 instant to move to instead')
    .action(
      action(async ({ out, globals }, duration: string | undefined, opts: { to?: string }) => {
        if ((duration === undefined) === (opts.to === undefined)) throw new UsageError('give a duration or --to, not both.');
        const c = await (await connect(globals, out)).sandbox.clock.advance(duration ?? { to: opts.to! });
        out.result(c, () => show(c));
      }),
    );
}

function isoDuration(value: string): string {
  try {
    return toIsoDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `8d 2h` for a clock ahead by that much; `0` for one never moved. */
function describeOffset(seconds: number): string {
  if (seconds <= 0) return '0 (real time)';
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join(' ');
}

/**
 * What every `pcx` command group is registered with (`commands/<noun>.ts`): the process's streams, the
 * action wrapper that reads the global options, and the SDK client of the signed-in partner.
 */
import type { Command } from 'commander';
import { createPartnerOperations, type PartnerOperations, type TransportEvent } from '@partner-commerce/sdk';
import { configPath, readConfig, writeConfig, type PcxConfig } from './config.js';
import { ExitCode, NotSignedInError, type Service } from './errors.js';
import { Output, type OutputFormat, type Writer } from './output.js';
import { describeRetry, Progress, progressMode, type ProgressStream } from './progress.js';

export interface Io {
  stdout: Writer;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
}

export interface GlobalOptions {
  output: OutputFormat;
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/** What one run of `pcx` learns as it goes: what it prints with, and which service it called. */
export interface RunState {
  out: Output;
  exit: number;
  service?: Service;
}

/** What an action is given besides its arguments. */
export interface ActionContext {
  out: Output;
  globals: GlobalOptions;
  cmd: Command;
}

export interface Context {
  io: Io;
  /** Wraps an action: global options, the Output, and the action's exit code. */
  action<A extends unknown[]>(fn: (ctx: ActionContext, ...args: A) => Promise<number | void>): (...args: unknown[]) => Promise<void>;
  /** The SDK client of the signed-in partner; the token it acquires is saved back to the config. */
  connect(globals: GlobalOptions, out: Output): Promise<PartnerOperations>;
  /** The SDK client of `config` (saved to `path` when it acquires a token). */
  client(config: PcxConfig, path: string, globals: GlobalOptions, out: Output): PartnerOperations;
  /** MS-RequestIds the service answered from its replay store (`Idempotent-Replayed: true`). */
  replayed: ReadonlySet<string>;
}

export function createContext(io: Io, state: RunState): Context {
  const action = <A extends unknown[]>(fn: (ctx: ActionContext, ...args: A) => Promise<number | void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const progress = new Progress(progressMode(io.stderr, { quiet: globals.quiet, env: io.env }), io.stderr);
      const out = new Output(globals.output, io.stdout, io.stderr, progress);
      state.out = out;
      const code = await fn({ out, globals, cmd }, ...(args.slice(0, -1) as A));
      state.exit = code ?? ExitCode.Ok;
    };

  const connect = async (globals: GlobalOptions, out: Output): Promise<PartnerOperations> => {
    const path = configPath(io.env, globals.config);
    const config = await readConfig(path);
    if (!config) throw new NotSignedInError(`not signed in (no ${path}): run \`pcx login --sandbox\` or \`pcx login --client-id … --client-secret …\`.`);
    return client(config, path, globals, out);
  };

  const client = (config: PcxConfig, path: string, globals: GlobalOptions, out: Output) => {
    const partner = createPartnerOperations({
      baseUrl: config.baseUrl,
      cloud: config.cloud,
      credentials: config.credentials,
      tokenCache: {
        get: () => config.token,
        set: async (token) => {
          config.token = token;
          await writeConfig(path, config);
        },
      },
      onEvent: (e) => {
        if (globals.verbose) out.info(describeEvent(e));
        if (e.type === 'retry' && e.delayMs > 0) out.progress.countdown(e.delayMs, (left) => describeRetry(e, left));
        else if (e.type === 'response' && e.attempt > 1) out.progress.clear();
        if (e.type === 'response' && e.replayed) replayed.add(e.requestId);
      },
    });
    state.service = { baseUrl: partner.baseUrl, cloud: partner.cloud?.name };
    return partner;
  };
  const replayed = new Set<string>();

  return { io, action, connect, client, replayed };
}

function describeEvent(e: TransportEvent): string {
  switch (e.type) {
    case 'request':
      return `→ ${e.method} ${e.url} (attempt ${e.attempt}, MS-RequestId ${e.requestId})`;
    case 'response':
      return `← ${e.status}${e.replayed ? ' (replayed)' : ''} in ${e.durationMs} ms`;
    case 'retry':
      return `↻ ${e.reason}: retrying in ${e.delayMs} ms`;
  }
}

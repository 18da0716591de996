/** Runs `pcx` as a child process, as a person or a script would. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PCX = fileURLToPath(new URL('./pcx-dev.mjs', import.meta.url));

export interface PcxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PcxOptions {
  /** Runs `pcx` on a terminal of its own (a pseudo-terminal from util-linux `script`): stdout and stderr come together in `stdout`. */
  tty?: boolean;
  /** Ends the run (SIGTERM to its process group) once its output matches: for waits not worth sitting out. */
  until?: RegExp;
}

/** Runs `pcx args…` with `env` on top of this process's environment (minus the test runner's own). */
export function pcx(args: string[], env: Record<string, string | undefined>, input?: string, opts: PcxOptions = {}): Promise<PcxResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.PCX_OUTPUT;
  if (opts.tty) childEnv.TERM = 'xterm';
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const [command, argv] = opts.tty
    ? ['script', ['--quiet', '--flush', '--return', '--command', [process.execPath, PCX, ...args].map(quote).join(' '), '/dev/null']]
    : [process.execPath, [PCX, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: Boolean(opts.until) });
    let stdout = '';
    let stderr = '';
    const watch = () => {
      if (opts.until?.test(stdout + stderr) && child.exitCode === null && child.pid) {
        opts.until = undefined;
        process.kill(-child.pid, 'SIGTERM');
      }
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), watch()));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), watch()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** The JSON a `pcx -o json …` printed, with the command's output in the message when it is not JSON. */
export function json<T = Record<string, unknown>>(r: PcxResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

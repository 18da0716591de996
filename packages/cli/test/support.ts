/** Runs `pcx` as a child process, as a person or a script would. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PCX = fileURLToPath(new URL('../bin/pcx.js', import.meta.url));

export interface PcxResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pcx args…` with `env` on top of this process's environment (minus the test runner's own). */
export function pcx(args: string[], env: Record<string, string | undefined>, input?: string): Promise<PcxResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.PCX_OUTPUT;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PCX, ...args], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
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

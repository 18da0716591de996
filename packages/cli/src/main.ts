/** `pcx`'s entry point: runs the command line and exits with its code. */
import { run } from './program.js';

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

process.exitCode = await run(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin });

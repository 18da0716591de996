/**
 * `pcx`'s config file: where `pcx login` keeps the API (base URL or cloud), the credentials and the
 * current token. It holds secrets, so it is written with mode 0600 (its folder 0700), atomically.
 * Location: $PCX_CONFIG, else $XDG_CONFIG_HOME/pcx/config.json, else ~/.config/pcx/config.json.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AccessToken, ClientCredentials, PasswordCredentials } from '@partner-commerce/sdk';

export interface PcxConfig {
  /** The API base URL (the local service); absent when a cloud is used. */
  baseUrl?: string;
  cloud?: string;
  credentials: ClientCredentials | PasswordCredentials;
  token?: AccessToken;
}

export function configPath(env: NodeJS.ProcessEnv = process.env, override?: string): string {
  if (override) return override;
  if (env.PCX_CONFIG) return env.PCX_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'pcx', 'config.json');
}

export async function readConfig(path: string): Promise<PcxConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as PcxConfig;
  return parsed && typeof parsed === 'object' && parsed.credentials ? parsed : undefined;
}

/** Writes the config readable by its owner only; a crash mid-write leaves the old file whole. */
export async function writeConfig(path: string, config: PcxConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600); // whatever the umask
  await rename(tmp, path);
}

export async function deleteConfig(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

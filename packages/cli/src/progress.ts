/**
 * Progress on stderr while `pcx` waits (a 429's Retry-After, retries to a service that does not
 * answer, provisioning), as the Stripe CLI and npm do: a terminal gets one live line rewritten in
 * place, a pipe or file gets plain lines (each once), `--quiet` gets nothing. Results stay on stdout.
 */
import type { RetryEvent } from '@partner-commerce/sdk';
import type { Writer } from './output.js';

/** stderr as the CLI sees it: a TTY says so and knows its width. */
export interface ProgressStream extends Writer {
  isTTY?: boolean;
  columns?: number;
}

export type ProgressMode = 'tty' | 'plain' | 'quiet';

/** `quiet` when asked; a live line on a terminal that can erase one; plain lines otherwise. */
export function progressMode(stream: ProgressStream, opts: { quiet?: boolean; env: NodeJS.ProcessEnv }): ProgressMode {
  if (opts.quiet) return 'quiet';
  return stream.isTTY && opts.env.TERM !== 'dumb' ? 'tty' : 'plain';
}

/** Erase the terminal's current line: carriage return, then "erase in line" (whole line). */
const ERASE = '\r\x1b[2K';

export class Progress {
  /** What the live line shows now (tty), or the last status printed (plain). */
  private shown = '';
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    readonly mode: ProgressMode,
    private readonly stream: ProgressStream,
  ) {}

  /** Where a wait stands: a terminal rewrites the live line; a pipe prints it when it changed. */
  status(text: string): void {
    if (this.mode === 'quiet' || text === this.shown) return;
    this.shown = text;
    if (this.mode === 'plain') this.stream.write(text + '\n');
    else this.stream.write(ERASE + this.fit(text));
  }

  /** A progress line that stays (on a terminal, printed above the live line, which comes back). */
  note(text: string): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'plain') {
      this.stream.write(text + '\n');
      return;
    }
    this.stream.write(ERASE + text + '\n' + (this.shown ? this.fit(this.shown) : ''));
  }

  /** Ends the live line (before other output, and when the wait is over). */
  clear(): void {
    this.stopTicking();
    if (this.mode === 'tty' && this.shown) this.stream.write(ERASE);
    this.shown = '';
  }

  /**
   * Counts a wait down on the live line once a second (`text(msLeft)`); a pipe gets the first line
   * only. Ends at the next clear.
   */
  countdown(ms: number, text: (msLeft: number) => string): void {
    this.stopTicking();
    const until = Date.now() + ms;
    const left = () => Math.max(0, until - Date.now());
    this.status(text(ms));
    if (this.mode !== 'tty' || ms < 1500) return;
    this.ticker = setInterval(() => (left() > 0 ? this.status(text(left())) : this.stopTicking()), 1000).unref();
  }

  private stopTicking(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** One terminal row: a live line that wraps cannot be erased with one carriage return. */
  private fit(text: string): string {
    const width = (this.stream.columns || 80) - 1;
    return text.length > width ? text.slice(0, width - 1) + '…' : text;
  }
}

/** The progress line of an SDK retry: what failed, which retry and when (first: a live line may be cut), the call's MS-RequestId. */
export function describeRetry(e: RetryEvent, msLeft: number): string {
  const origin = new URL(e.url).origin;
  let what: string;
  if (e.status === 429) what = `throttled by ${origin} (HTTP 429)`;
  else if (e.status === 0 && e.reason === 'timeout') what = `no answer from ${origin} in time`;
  else if (e.status === 0) what = `cannot reach ${origin}${e.code ? ` (${e.code})` : ''}`;
  else if (e.status === 409) what = `${origin} is still processing this request (HTTP 409${e.code ? ` ${e.code}` : ''})`;
  else what = `${origin} answered HTTP ${e.status}${e.code !== undefined ? ` (${e.code})` : ''}`;
  const wait = msLeft < 10_000 ? `${(msLeft / 1000).toFixed(1)}s` : `${Math.round(msLeft / 1000)}s`;
  return `${what}: retry ${e.retry}/${e.maxRetries} in ${wait}${e.retryAfterMs !== undefined ? ', as asked' : ''} · MS-RequestId ${e.requestId}`;
}

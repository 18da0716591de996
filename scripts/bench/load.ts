/**
 * HTTP load with autocannon's programmatic API, and the summary the report keeps of each run:
 * throughput (mean of the per-second samples), latency percentiles of the 2xx answers, and every
 * answer that was not a 2xx (a run with errors is flagged, never silently averaged in).
 */
import autocannon from 'autocannon';

export interface LoadSummary {
  /** Mean requests per second over the run (2xx and others alike; see `non2xx`). */
  rps: number;
  /** Latency of the 2xx answers, in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  connections: number;
  /** Bytes on the wire (status line and headers included) per 2xx answer. */
  bytesPerResponse: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  duration?: number;
  amount?: number;
  requests: autocannon.Request[];
  headers?: Record<string, string>;
}

/** Runs autocannon and summarizes the result. */
export async function load(opts: LoadOptions): Promise<LoadSummary> {
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.duration ?? 10,
    amount: opts.amount,
    pipelining: 1,
    timeout: 30,
    headers: opts.headers,
    requests: opts.requests,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries((result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {})) {
    statusCodes[code] = count;
  }
  const ok = result['2xx'];
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    rps: round(opts.amount ? requests / result.duration : result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requests,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    durationSeconds: round(result.duration),
    connections: opts.connections,
    bytesPerResponse: ok ? Math.round(result.throughput.total / ok) : 0,
  };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

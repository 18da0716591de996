/**
 * The CLI's exit codes and the errors that choose them. API failures print the Partner Center code,
 * description and MS-RequestId (STYLE.md 12).
 */
import {
  PartnerCenterAuthenticationError,
  PartnerCenterConnectionError,
  PartnerCenterError,
} from '@partner-commerce/sdk';
import type { Output } from './output.js';

export const ExitCode = {
  Ok: 0,
  /** The service answered with an error, or something unexpected failed. */
  ApiError: 1,
  /** Wrong or missing arguments, unreadable input file. */
  Usage: 2,
  /** Not signed in, or signing in failed. */
  NotSignedIn: 3,
  /** The service could not be reached (connection refused, timeouts), after retries. */
  Unreachable: 4,
  /** `cart submit --wait`: an order or line failed (cancelled, Unfulfilled, orderErrors). */
  ProvisioningFailed: 5,
  /** `cart submit --wait`: orders still pending when `--timeout` ran out. */
  WaitTimedOut: 6,
} as const;

/** Bad input from the user (exit 2). */
export class UsageError extends Error {}

/** No config, or a config without credentials (exit 3). */
export class NotSignedInError extends Error {}

/** Prints `err` for a person (or as JSON with `--output json`) and returns the exit code. */
export function report(err: unknown, out: Output): number {
  if (err instanceof PartnerCenterError) {
    const code = err instanceof PartnerCenterAuthenticationError ? ExitCode.NotSignedIn : err instanceof PartnerCenterConnectionError ? ExitCode.Unreachable : ExitCode.ApiError;
    if (out.format === 'json') {
      out.info(
        JSON.stringify({
          error: { status: err.status, code: err.code ?? null, description: err.description, requestId: err.requestId, correlationId: err.correlationId },
        }),
      );
    } else {
      const status = err.status ? `HTTP ${err.status}` : 'no response';
      out.info(`error ${err.code ?? '-'}: ${err.description}`);
      out.info(`  ${status} · MS-RequestId ${err.requestId} · MS-CorrelationId ${err.correlationId}${err.attempts > 1 ? ` · ${err.attempts} attempts` : ''}`);
      if (err instanceof PartnerCenterAuthenticationError) out.info('  sign in again with `pcx login`.');
    }
    return code;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (out.format === 'json') out.info(JSON.stringify({ error: { description: message } }));
  else out.info(`error: ${message}`);
  if (err instanceof UsageError) return ExitCode.Usage;
  if (err instanceof NotSignedInError) return ExitCode.NotSignedIn;
  return ExitCode.ApiError;
}

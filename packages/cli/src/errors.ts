/**
 * The CLI's exit codes and the errors that choose them. API failures print the Partner Center code,
 * description and MS-RequestId (STYLE.md 12).
 */
import {
  networkErrorCode,
  PartnerCenterAuthenticationError,
  PartnerCenterConnectionError,
  PartnerCenterError,
  PartnerCenterTimeoutError,
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
  /** `cart new|set`: the cart was saved, but lines have errors and cannot be checked out until fixed. */
  CartLineErrors: 7,
} as const;

/** The service a command called: its base URL, and the cloud's name when it is a Partner Center cloud. */
export interface Service {
  baseUrl: string;
  cloud?: string;
}

/** How to start the local service, for a user who finds it not running. */
export const START_HINT = 'start it with `npx @partner-commerce/server` (or `npm start` in a partner-commerce checkout)';

/** One line saying which service could not be reached and what to do about it. */
function unreachable(err: PartnerCenterConnectionError, service: Service | undefined): { description: string; hint: string } {
  const where = service?.baseUrl ?? err.description.match(/https?:\/\/[^/\s:]+(:\d+)?/)?.[0] ?? 'the service';
  const tries = err.attempts > 1 ? `, ${err.attempts} attempts` : '';
  if (err instanceof PartnerCenterTimeoutError) {
    return { description: `${where} did not answer in time (${err.description.replace(/^.*: /, '')}${tries}).`, hint: 'it is up but busy or stuck: try again later.' };
  }
  const code = networkErrorCode(err.cause) ?? 'no connection';
  const hint = service?.cloud
    ? 'check the network connection (and proxy settings) of this machine.'
    : `${START_HINT}, or sign in to another one with \`pcx login --base-url <url>\`.`;
  return { description: `cannot reach ${where} (${code}${tries}).`, hint };
}

/** Bad input from the user (exit 2). */
export class UsageError extends Error {}

/** No config, or a config without credentials (exit 3). */
export class NotSignedInError extends Error {}

/** Prints `err` for a person (or as JSON with `--output json`) and returns the exit code. */
export function report(err: unknown, out: Output, service?: Service): number {
  if (err instanceof PartnerCenterConnectionError) {
    const { description, hint } = unreachable(err, service);
    if (out.format === 'json') {
      out.info(JSON.stringify({ error: { status: 0, code: err.code ?? null, description, hint, requestId: err.requestId, correlationId: err.correlationId } }));
    } else {
      out.info(`error: ${description}`);
      out.info(`  ${hint}`);
      out.info(`  MS-RequestId ${err.requestId} · MS-CorrelationId ${err.correlationId}`);
    }
    return ExitCode.Unreachable;
  }
  if (err instanceof PartnerCenterError) {
    const code = err instanceof PartnerCenterAuthenticationError ? ExitCode.NotSignedIn : ExitCode.ApiError;
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

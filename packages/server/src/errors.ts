/**
 * The closed set of domain errors. Services throw `PartnerCenterError`; the errors plugin is the
 * one place that turns any error into Partner Center's error body and an HTTP status.
 */
import { ErrorCodes, type ErrorCodeName } from '@partner-commerce/contract';

export class PartnerCenterError extends Error {
  readonly status: number;
  readonly code: number;
  readonly data: unknown[];
  /** Sent as `Retry-After` (seconds) when set: a retryable answer (503). */
  readonly retryAfterSeconds?: number;

  constructor(name: ErrorCodeName, description: string, data: unknown[] = []) {
    super(description);
    this.name = name;
    this.status = ErrorCodes[name].status;
    this.code = ErrorCodes[name].code;
    this.data = data;
  }
}

export const fail = (name: ErrorCodeName, description: string, data?: unknown[]): never => {
  throw new PartnerCenterError(name, description, data);
};

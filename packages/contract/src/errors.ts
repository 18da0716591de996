/**
 * Partner Center's error body and the error codes this service answers with
 * (reference §4, error-codes.md). Codes are stable: clients switch on them.
 */
import { Type, type Static } from 'typebox';

/** `{code, description, data, source}`; `code` travels as a JSON number, as the live service sends it. */
export const ErrorBody = Type.Object(
  {
    code: Type.Integer(),
    description: Type.String(),
    data: Type.Array(Type.Unknown()),
    source: Type.String(),
  },
  { title: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The 429 body differs from every other error body (api-throttling-guidance.md). */
export const ThrottleBody = Type.Object({ statusCode: Type.Literal(429), message: Type.String() });

/** Error codes, each with its HTTP status, named after what Partner Center's table says of it. */
export const ErrorCodes = {
  AccessDenied: { status: 401, code: 400 },
  PartnerTokenMissing: { status: 401, code: 800001 },
  Forbidden: { status: 403, code: 2032 },
  NotFound: { status: 404, code: 1000 },
  InvalidRequestInput: { status: 400, code: 800002 },
  UnexpectedServiceError: { status: 500, code: 800003 },
  /**
   * The database is failing over (or lost a write's answer): 503 with `Retry-After`, which the SDKs
   * retry with the same MS-RequestId (.NET ServerBusy, Java SERVER_BUSY). Code as the generic 500's.
   */
  ServiceUnavailable: { status: 503, code: 800003 },
  UnableToParseEnum: { status: 400, code: 900126 },
  InvalidCustomerId: { status: 400, code: 900118 },
  TenantNotFound: { status: 404, code: 60003 },
  InvalidOfferId: { status: 400, code: 800004 },
  CartNotFound: { status: 404, code: 800008 },
  CartItemErrors: { status: 400, code: 800009 },
  CartBeingProcessed: { status: 409, code: 800064 },
  RequestInProgress: { status: 409, code: 800060 },
  RequestIdReused: { status: 400, code: 800002 },
  CartAlreadySubmitted: { status: 400, code: 800065 },
  CartExpired: { status: 400, code: 800009 },
  OrderNotFound: { status: 404, code: 20000 },
  SubscriptionNotFound: { status: 404, code: 20003 },
  /** If-Match named an etag the subscription no longer has (417·800036 is the table's "pre-condition failed"; 412 is HTTP's). */
  PreconditionFailed: { status: 412, code: 800036 },
  /** A new-commerce cancellation after cancellationAllowedUntilDate (the table's "cannot be cancelled"). */
  CancellationWindowClosed: { status: 400, code: 800061 },
  /** Project codes where Partner Center's docs name none (docs/compatibility.md): */
  SeatReductionNotAllowed: { status: 400, code: 800090 },
  SubscriptionNotActive: { status: 400, code: 800091 },
  InvalidStatusTransition: { status: 400, code: 800092 },
  /** A transition to a catalog item the subscription is not eligible for (see its transitioneligibilities). */
  TransitionNotEligible: { status: 400, code: 800093 },
  NotAzureSubscription: { status: 400, code: 2094 },
  DomainAlreadyExists: { status: 400, code: 800002 },
  OrderNotCancellable: { status: 400, code: 800061 },
  UnsupportedMediaType: { status: 415, code: 800002 },
  PayloadTooLarge: { status: 413, code: 800002 },
  RequestTimeout: { status: 408, code: 800002 },
  HeadersTooLarge: { status: 431, code: 800002 },
  /** POST /webhooks/v1/registration when the partner has one (the REST reference: "registration already exists, use PUT"). */
  WebhookRegistrationExists: { status: 409, code: 800094 },
  /** The partner has no webhook registration (GET, PUT, DELETE, validationEvents). */
  WebhookRegistrationNotFound: { status: 404, code: 1000 },
} as const;
export type ErrorCodeName = keyof typeof ErrorCodes;

/** Path parameter schemas shared by the customer-scoped modules. Ids are checked in the services, so
 * that a malformed id answers the same Partner Center error as a missing one. */
import { Type, type TSchema } from 'typebox';

const PathId = Type.String({ minLength: 1 });
export const CustomerParams = Type.Object({ customerId: PathId });
export const CartParams = Type.Object({ customerId: PathId, cartId: PathId });
export const OrderParams = Type.Object({ customerId: PathId, orderId: PathId });
export const SubscriptionParams = Type.Object({ customerId: PathId, subscriptionId: PathId });

/**
 * A query parameter with a default: the client may leave it out (the OpenAPI document does not mark it
 * required), and validation fills the default in (ajv's useDefaults), so handlers always see a value.
 */
export const WithDefault = <T extends TSchema>(schema: T): T => Type.Optional(schema) as unknown as T;

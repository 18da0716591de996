/**
 * Pieces every resource shares: links, `attributes`, the collection envelope, and the enums and
 * maps that more than one domain's resources carry (reference §0, §2 Utility).
 */
import { Type, type Static, type TSchema } from 'typebox';

export const LinkHeader = Type.Object({ key: Type.String(), value: Type.String() });
export const Link = Type.Object(
  { uri: Type.String(), method: Type.String(), headers: Type.Array(LinkHeader) },
  { title: 'Link' },
);
export type Link = Static<typeof Link>;

/** `attributes` of a resource: its object type, and an etag where the resource carries one. */
export const Attributes = (objectType: string) =>
  Type.Object({ etag: Type.Optional(Type.String()), objectType: Type.Literal(objectType) });

export const SelfLinks = Type.Object({ self: Link });

/** Partner Center's collection envelope: `{totalCount, items, links, attributes:{objectType:"Collection"}}`. */
export const Collection = <T extends TSchema>(item: T) =>
  Type.Object({
    totalCount: Type.Integer(),
    items: Type.Array(item),
    links: Type.Object({
      self: Link,
      next: Type.Optional(Link),
      previous: Type.Optional(Link),
    }),
    attributes: Attributes('Collection'),
  });

// ---------------------------------------------------------------------------------------------
// Enums and maps more than one domain carries (wire spellings; reference §2)

/** BillingCycleType as it travels: snake_case of the .NET member names. */
export const BILLING_CYCLES = ['unknown', 'monthly', 'annual', 'none', 'one_time', 'triennial', 'biennial'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

export const RenewsTo = Type.Object({ termDuration: Type.String() });
export const StringMap = Type.Record(Type.String(), Type.String());

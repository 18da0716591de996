/** What the request builders of `resources/*.ts` share: their base class and Partner Center's collection envelope. */
import type { Link } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
import type { HttpMethod, QueryValue, RequestOptions, Transport } from '../transport.js';

/** Partner Center's collection envelope. */
export interface Collection<T> {
  totalCount: number;
  items: T[];
  links: { self: Link; next?: Link; previous?: Link };
  attributes: { objectType: 'Collection'; etag?: string };
}

/** What every request builder is: a transport and the path segments of its URL. */
export abstract class Builder {
  constructor(
    protected readonly transport: Transport,
    protected readonly path: readonly string[],
  ) {}

  protected async request<T>(
    method: HttpMethod,
    options: RequestOptions = {},
    extra: { query?: Record<string, QueryValue>; body?: unknown; headers?: Record<string, string>; action?: string } = {},
  ): Promise<T> {
    const res = await this.transport.send<T>({
      ...options,
      method,
      path: extra.action ? [...this.path, extra.action] : this.path,
      query: extra.query,
      body: extra.body,
      headers: { ...extra.headers, ...options.headers },
    });
    return res.body;
  }
}

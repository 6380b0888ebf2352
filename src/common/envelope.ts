/** Pagination as it appears in `meta.pagination`. */
export interface Pagination {
  limit: number;
  offset: number;
  total: number;
}

/** A controller result with its own `meta`; anything else is wrapped as `{data, meta: {}}`. */
export class Enveloped<T> {
  constructor(
    readonly data: T,
    readonly meta: Record<string, unknown>,
  ) {}

  static page<T>(items: T[], pagination: Pagination): Enveloped<T[]> {
    return new Enveloped(items, { pagination });
  }
}

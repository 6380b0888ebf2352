/**
 * The event sources the reference-data migration creates (1764000000001-ReferenceData restates
 * them: a migration is history), in the order the demo data deals its events to them: event i
 * comes from REFERENCE_SOURCES[i mod 3]. Operators add more with `POST /sources`, so this is not
 * the list of every source: `event_sources` is.
 */
export const REFERENCE_SOURCES = ['stripe', 'adyen', 'paypal'] as const;

/** What the OpenAPI document says about a source slug: an open list, not an enum. */
export const SOURCE_SLUGS_NOTE =
  `Not a closed list: the reference sources are ${REFERENCE_SOURCES.map((s) => `\`${s}\``).join(', ')} ` +
  '(those of the demo data), and operators add more with `POST /sources`; `GET /sources` lists ' +
  'them all.';

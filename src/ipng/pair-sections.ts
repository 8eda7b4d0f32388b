// The stored order of a pair record's sections (docs/zone-layout.md,
// "Record layout"), defined once: the record's encoder and decoder
// (pair-record.ts) and the renderer of the scrape's fragments
// (exposition/pair-fragments.ts) both index by these names.

/** The counts, which the writer decodes and adds to. */
export const COUNT_SECTION = {
  rates: 0,
  requestDuration: 1,
  upstreamResponse: 2,
  codes: 3,
} as const;
export const COUNT_SECTIONS = 4;

/**
 * The pair rendered for the scrape, after the counts: index within the
 * fragments (the section is COUNT_SECTIONS + this).
 */
export const FRAGMENT = {
  requestsTails: 0,
  bytesInTails: 1,
  bytesOutTails: 2,
  codesJson: 3,
  requestDurationBuckets: 4,
  requestDurationSumCount: 5,
  upstreamResponseBuckets: 6,
  upstreamResponseSumCount: 7,
  requestDurationJson: 8,
  upstreamResponseJson: 9,
} as const;
export const FRAGMENTS = 10;

export const PAIR_SECTIONS = COUNT_SECTIONS + FRAGMENTS;

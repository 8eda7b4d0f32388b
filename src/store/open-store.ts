// The one place that picks the layout, by the zone's declared type
// (docs/zone-layout.md): type=number the counter layout (one number per
// counter, `incr` from any worker; needed without the shim), type=string
// the record layout (one text record per (source, vip), written by the
// shim's writer lease holder; fits the spec's sizing in 4m).
import type { PairRenderers } from '../ipng/pair-record';
import { openSharedDict, TypedDict } from '../platform/open-dict';
import { counterStore } from './counter-store';
import { recordStore } from './record-store';
import type { StatsStore } from './store';

/**
 * renderers: what the record layout keeps pre-rendered for the
 * scrape, given by the handler (exposition/pair-fragments.ts
 * PAIR_FRAGMENT_RENDERERS) so that storage does not import exposition.
 */
export function openStore(name: string, renderers: PairRenderers): StatsStore {
  return storeOf(openSharedDict(name), name, renderers);
}

/** The store of a zone already opened. */
export function storeOf(opened: TypedDict, name: string, renderers: PairRenderers): StatsStore {
  return opened.type === 'string' ? recordStore(opened.dict, name, renderers) : counterStore(opened.dict, name);
}

// The order in which both renderers walk the model: sources, then VIPs,
// then status codes, each sorted by UTF-16 code units (Array#sort's
// default, the same in njs and Node). Sorting each level once is
// O(n log n) in the number of series; the renderers then walk these lists
// several times (one pass per metric family) without sorting again.
import type { StatsModel, VipStats } from './model';

export interface VipSeries {
  sourceTag: string;
  vip: string;
  stats: VipStats;
  /** status codes present, sorted */
  codes: string[];
}

export function orderedVipSeries(model: StatsModel): VipSeries[] {
  const series: VipSeries[] = [];
  const sources = Object.keys(model.bySource).sort();
  for (let s = 0; s < sources.length; s++) {
    const vips = model.bySource[sources[s]];
    const vipNames = Object.keys(vips).sort();
    for (let v = 0; v < vipNames.length; v++) {
      const stats = vips[vipNames[v]];
      series.push({ sourceTag: sources[s], vip: vipNames[v], stats, codes: Object.keys(stats.codes).sort() });
    }
  }
  return series;
}

/**
 * Worker ids are small integers as text; sort them by value (0, 1, 2, 10)
 * rather than as text (0, 1, 10, 2), text order for anything else.
 */
export function orderedWorkerIds(ids: string[]): string[] {
  return ids.slice().sort(compareWorkerIds);
}

const DECIMAL = /^(0|[1-9][0-9]{0,14})$/;

function compareWorkerIds(a: string, b: string): number {
  if (DECIMAL.test(a) && DECIMAL.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

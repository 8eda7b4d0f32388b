// The order in which both renderers write series: sources, then VIPs,
// then status codes, each sorted by UTF-16 code units (Array#sort's
// default, the same in njs and Node). The zone reader puts its model in
// this order once (see model.ts); the renderers only walk it.
import type { CodeStats, VipStats } from './stats-model';

/** Sorts series by source_tag, then vip, and each series' codes by code. */
export function sortSeries(series: VipStats[]): void {
  sortBySourceAndVip(series);
  sortCodesOfEachSeries(series);
}

/**
 * A comparator sort calls the comparator ~1,500 times for the spec's 200
 * (source, vip) pairs, ~4.5 M instructions in njs. Each pair's
 * "<source>\x00<vip>" sorts natively (no comparator) to the same order,
 * as long as no source tag holds U+0000 (then the comparator does it):
 * U+0000 is below every other code unit, so a tag that is a prefix of
 * another sorts first, as it does compared alone. A pair given twice
 * keeps its order (the stable comparator sort's).
 */
function sortBySourceAndVip(series: VipStats[]): void {
  const keys: string[] = new Array(series.length);
  const byKey: Record<string, VipStats[]> = Object.create(null);
  for (let i = 0; i < series.length; i++) {
    if (series[i].sourceTag.indexOf('\x00') >= 0) {
      series.sort(compareSeries);
      return;
    }
    const key = series[i].sourceTag + '\x00' + series[i].vip;
    keys[i] = key;
    const same = byKey[key];
    if (same === undefined) byKey[key] = [series[i]];
    else same.push(series[i]);
  }
  keys.sort();
  for (let i = 0; i < keys.length; ) {
    const same = byKey[keys[i]];
    for (let k = 0; k < same.length; k++) series[i++] = same[k];
  }
}

function compareSeries(a: VipStats, b: VipStats): number {
  if (a.sourceTag !== b.sourceTag) return a.sourceTag < b.sourceTag ? -1 : 1;
  if (a.vip !== b.vip) return a.vip < b.vip ? -1 : 1;
  return 0;
}

/**
 * A comparator sort of every series' codes would call the comparator
 * about 350 times per series of 60 codes, which in njs costs more than
 * the rest of the model. The same few codes recur under every VIP, so the
 * distinct codes are sorted once (native sort, no comparator) and each
 * series is then placed by rank in one linear pass.
 */
function sortCodesOfEachSeries(series: VipStats[]): void {
  const rankOf: Record<string, number> = Object.create(null);
  const distinct: string[] = [];
  for (let s = 0; s < series.length; s++) {
    const codes = series[s].codes;
    for (let c = 0; c < codes.length; c++) {
      if (rankOf[codes[c].code] === undefined) {
        rankOf[codes[c].code] = 0;
        distinct.push(codes[c].code);
      }
    }
  }
  distinct.sort();
  for (let r = 0; r < distinct.length; r++) rankOf[distinct[r]] = r;

  const byRank: Array<CodeStats | undefined> = [];
  for (let r = 0; r < distinct.length; r++) byRank.push(undefined);
  for (let s = 0; s < series.length; s++) {
    const codes = series[s].codes;
    if (codes.length < 2) continue;
    for (let c = 0; c < codes.length; c++) byRank[rankOf[codes[c].code]] = codes[c];
    let next = 0;
    for (let r = 0; r < byRank.length; r++) {
      const row = byRank[r];
      if (row !== undefined) {
        codes[next++] = row;
        byRank[r] = undefined;
      }
    }
  }
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

// What a scrape request asks for: the filters in its query string and the
// format in its Accept header. Pure: the scrape handler passes r.args and
// r.headersIn.Accept in.
import { canonicalAddress } from './address';
import type { ScrapeFilter, StatsModel, VipStats } from '../model/stats-model';

export type ScrapeQuery = { ok: true; filter: ScrapeFilter } | { ok: false; reason: string };

/**
 * `?source_tag=` (exact, case-sensitive) and `?vip=` (canonicalized, so
 * `2001:DB8:0::1` selects `2001:db8::1`). Other parameters are ignored.
 *
 * An empty value (`?source_tag=`, `?vip=`) is rejected rather than read as
 * "no filter": a consumer whose script left its tag unset would otherwise
 * silently receive every source's counters as if they were its own. To
 * match everything, leave the parameter out. A parameter given twice is
 * rejected too (njs passes repeated keys as an array).
 */
export function parseScrapeQuery(args: Record<string, string | string[] | undefined>): ScrapeQuery {
  const filter: ScrapeFilter = {};

  const sourceTag = single(args, 'source_tag');
  if (!sourceTag.ok) return sourceTag;
  if (sourceTag.value !== undefined) {
    if (sourceTag.value === '') return { ok: false, reason: 'empty source_tag: leave the parameter out to match every source' };
    filter.sourceTag = sourceTag.value;
  }

  const vip = single(args, 'vip');
  if (!vip.ok) return vip;
  if (vip.value !== undefined) {
    const canonical = canonicalAddress(vip.value);
    if (canonical === null) return { ok: false, reason: 'invalid vip ' + JSON.stringify(vip.value) + ': not an IPv4 or IPv6 address' };
    filter.vip = canonical;
  }

  return { ok: true, filter };
}

type SingleValue = { ok: true; value: string | undefined } | { ok: false; reason: string };

function single(args: Record<string, string | string[] | undefined>, name: string): SingleValue {
  if (!Object.prototype.hasOwnProperty.call(args, name)) return { ok: true, value: undefined };
  const value = args[name];
  if (value === undefined || typeof value === 'string') return { ok: true, value };
  return { ok: false, reason: name + ' given more than once' };
}

/**
 * True when the Accept header lists application/json with a q above 0
 * (anywhere in the list, whatever else it prefers): the spec's rule is
 * "application/json for JSON, anything else for Prometheus text". So
 * wildcards (`*\/*`, `application/*`) and a missing header get Prometheus
 * text: Prometheus itself and curl send those. Media types and the `q`
 * parameter name are case-insensitive (RFC 9110).
 */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length; i++) {
    const params = ranges[i].split(';');
    if (params[0].trim().toLowerCase() !== 'application/json') continue;
    if (qualityOf(params) > 0) return true;
  }
  return false;
}

/**
 * True when the Accept header lists Prometheus's text format, `text/plain`
 * with `version=0.0.4` and a q above 0 (what Prometheus sends). A plain
 * `text/plain` does not: it keeps a display's own text (Tengine's lines,
 * the SSL status module's), which is what its users' scripts fetch.
 */
export function wantsPrometheusText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length; i++) {
    const params = ranges[i].split(';');
    if (params[0].trim().toLowerCase() !== 'text/plain') continue;
    let version = false;
    for (let p = 1; p < params.length; p++) {
      const eq = params[p].indexOf('=');
      if (eq < 0) continue;
      if (params[p].slice(0, eq).trim().toLowerCase() === 'version' && params[p].slice(eq + 1).trim() === '0.0.4') version = true;
    }
    if (version && qualityOf(params) > 0) return true;
  }
  return false;
}

export type DisplayFormat<Own extends string> = Own | 'json' | 'prometheus';
export type DisplayFormatChoice<Own extends string> =
  | { ok: true; format: DisplayFormat<Own> }
  | { ok: false; reason: string };

/**
 * The output a display location (req_status_show, ssl_status) is asked
 * for: `?format=OWN|json|prometheus` first, then Accept (JSON, then
 * Prometheus text), else the display's own text format, named `own`.
 * Other query parameters are ignored, as the originals ignore them.
 */
export function chooseDisplayFormat<Own extends string>(
  args: Record<string, string | string[] | undefined>, accept: string | undefined, own: Own,
): DisplayFormatChoice<Own> {
  if (Object.prototype.hasOwnProperty.call(args, 'format')) {
    const value = args.format;
    if (value !== undefined && typeof value !== 'string') return { ok: false, reason: 'format given more than once' };
    const name = value === undefined ? '' : value;
    if (name === own) return { ok: true, format: own };
    if (name === 'json' || name === 'prometheus') return { ok: true, format: name };
    return { ok: false, reason: 'unknown format ' + JSON.stringify(name) + ': use ' + own + ', json or prometheus' };
  }
  if (wantsJson(accept)) return { ok: true, format: 'json' };
  if (wantsPrometheusText(accept)) return { ok: true, format: 'prometheus' };
  return { ok: true, format: own };
}

const QVALUE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/;

/** The `q` of one media range; 1 when absent; 0 when malformed (not acceptable). */
function qualityOf(params: string[]): number {
  for (let p = 1; p < params.length; p++) {
    const eq = params[p].indexOf('=');
    if (eq < 0 || params[p].slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const value = params[p].slice(eq + 1).trim();
    return QVALUE.test(value) ? Number(value) : 0;
  }
  return 1;
}

/**
 * The model restricted to the filter's series, in the same order. Filters
 * intersect; meta (zone and worker figures, not per-series) is kept
 * whole. One pass over the (source, vip) pairs, a few hundred at the
 * spec's sizing; nothing is scanned per status code.
 */
export function filterModel(model: StatsModel, filter: ScrapeFilter): StatsModel {
  if (filter.sourceTag === undefined && filter.vip === undefined) return model;
  const series: VipStats[] = [];
  for (let i = 0; i < model.series.length; i++) {
    const stats = model.series[i];
    if (filter.sourceTag !== undefined && stats.sourceTag !== filter.sourceTag) continue;
    if (filter.vip !== undefined && stats.vip !== filter.vip) continue;
    series.push(stats);
  }
  return { series, meta: model.meta };
}

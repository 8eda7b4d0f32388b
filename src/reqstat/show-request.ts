// Which output a show request asks for. Default: Tengine's lines (what
// tsar fetches, with no Accept header worth reading). Beyond Tengine:
// `?format=json|prometheus|tengine`, or by Accept: application/json for
// JSON, `text/plain; version=0.0.4` (what Prometheus sends) for
// Prometheus text. The query parameter wins over Accept. Other query
// parameters are ignored, as Tengine ignores them all.
import { wantsJson } from '../exposition/query';

export type ShowFormat = 'tengine' | 'json' | 'prometheus';

export type ShowQuery = { ok: true; format: ShowFormat } | { ok: false; reason: string };

const FORMATS: Record<string, ShowFormat> = { tengine: 'tengine', json: 'json', prometheus: 'prometheus' };

export function parseShowQuery(args: Record<string, string | string[] | undefined>, accept: string | undefined): ShowQuery {
  if (Object.prototype.hasOwnProperty.call(args, 'format')) {
    const value = args.format;
    if (value !== undefined && typeof value !== 'string') return { ok: false, reason: 'format given more than once' };
    const format = value === undefined ? undefined : FORMATS[value];
    if (format === undefined || !Object.prototype.hasOwnProperty.call(FORMATS, value as string)) {
      return { ok: false, reason: 'unknown format ' + JSON.stringify(value === undefined ? '' : value) + ': use tengine, json or prometheus' };
    }
    return { ok: true, format };
  }
  if (wantsJson(accept)) return { ok: true, format: 'json' };
  if (wantsPrometheusText(accept)) return { ok: true, format: 'prometheus' };
  return { ok: true, format: 'tengine' };
}

/** Accept lists text/plain with version=0.0.4 (Prometheus's scrape header). */
export function wantsPrometheusText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length; i++) {
    const params = ranges[i].split(';');
    if (params[0].trim().toLowerCase() !== 'text/plain') continue;
    for (let p = 1; p < params.length; p++) {
      const eq = params[p].indexOf('=');
      if (eq < 0) continue;
      if (params[p].slice(0, eq).trim().toLowerCase() === 'version' && params[p].slice(eq + 1).trim() === '0.0.4') return true;
    }
  }
  return false;
}

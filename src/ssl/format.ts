// Which output an ssl_status request asks for: ?format= first, then the
// Accept header; the original's text otherwise (what its users' scripts
// parse).
import { wantsJson } from '../exposition/query';

export type SslFormat = 'text' | 'json' | 'prometheus';
export type SslFormatChoice = { ok: true; format: SslFormat } | { ok: false; reason: string };

const FORMATS: Record<string, SslFormat> = { text: 'text', json: 'json', prometheus: 'prometheus' };

export function chooseSslFormat(args: Record<string, string | string[] | undefined>, accept: string | undefined): SslFormatChoice {
  if (Object.prototype.hasOwnProperty.call(args, 'format')) {
    const value = args.format;
    if (typeof value !== 'string') return { ok: false, reason: 'format given more than once' };
    const format = FORMATS[value];
    if (format === undefined) return { ok: false, reason: 'unknown format ' + JSON.stringify(value) + ': use text, json or prometheus' };
    return { ok: true, format };
  }
  if (wantsJson(accept)) return { ok: true, format: 'json' };
  if (wantsPrometheusText(accept)) return { ok: true, format: 'prometheus' };
  return { ok: true, format: 'text' };
}

/**
 * Whether the Accept header lists Prometheus's text format, `text/plain`
 * with `version=0.0.4` (as Prometheus sends it); a plain `text/plain`
 * keeps the original's output.
 */
export function wantsPrometheusText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = accept.split(',');
  for (let i = 0; i < ranges.length; i++) {
    const params = ranges[i].split(';');
    if (params[0].trim().toLowerCase() !== 'text/plain') continue;
    let version = false;
    let q = 1;
    for (let p = 1; p < params.length; p++) {
      const eq = params[p].indexOf('=');
      if (eq < 0) continue;
      const name = params[p].slice(0, eq).trim().toLowerCase();
      const value = params[p].slice(eq + 1).trim();
      if (name === 'version' && value === '0.0.4') version = true;
      if (name === 'q') q = Number(value);
    }
    if (version && q > 0) return true;
  }
  return false;
}

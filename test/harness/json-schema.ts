// Validates the JSON the product serves against its schemas in schema/
// (ajv, draft 2020-12), then checks what JSON Schema cannot express: for
// a scrape, the buckets of each histogram are cumulative, in increasing
// bound order, and "+Inf" equals count; for req_status_show, each key has
// one value per field. Each validator throws on any problem.
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import schema from '../../schema/ipng-stats-v1.schema.json';
import reqstatSchema from '../../schema/ipng-reqstat-v1.schema.json';
import sslSchema from '../../schema/ssl-status-v1.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: true });
// the scrape's optional "ssl" (revision 2 of schema 1) refers to a zone of the SSL status schema
ajv.addSchema(sslSchema);
const validate = ajv.compile(schema);
const validateSsl = ajv.getSchema(sslSchema.$id)!;
// strictTuples off: a reqstat zone's fields are the 29 built-ins, then any
// number of indicators (an open tuple).
const reqstatAjv = new Ajv2020({ allErrors: true, strict: true, strictTuples: false });
const validateReqstat = reqstatAjv.compile(reqstatSchema);

/**
 * `body` (the parsed document, or the response text, parsed here) checked
 * against one schema compiled by `compiler`; `what` names the output in
 * the error.
 */
function schemaChecked(
  compiler: Ajv2020, validator: ValidateFunction, schemaFile: string, what: string, body: unknown,
): unknown {
  let document = body;
  if (typeof body === 'string') {
    try {
      document = JSON.parse(body);
    } catch (error) {
      throw new Error(`${what} body is not JSON: ${(error as Error).message}\n${body.slice(0, 500)}`);
    }
  }
  if (!validator(document)) {
    throw new Error(
      `${what} JSON does not match ${schemaFile}:\n${compiler.errorsText(validator.errors, { separator: '\n' })}`,
    );
  }
  return document;
}

/** A scrape's JSON against schema/ipng-stats-v1.schema.json. */
export function validateStatsJson(body: unknown): void {
  const document = schemaChecked(ajv, validate, 'ipng-stats-v1.schema.json', 'scrape', body);
  const problems = histogramProblems(document as StatsJson);
  if (problems.length > 0) throw new Error(`scrape JSON histograms are inconsistent:\n${problems.join('\n')}`);
}

interface HistogramJson {
  buckets: Record<string, number>;
  sum_ms: number;
  count: number;
}

interface StatsJson {
  by_source: Record<string, { vips: Record<string, Record<string, HistogramJson>> }>;
}

function histogramProblems(document: StatsJson): string[] {
  const problems: string[] = [];
  for (const [source, { vips }] of Object.entries(document.by_source)) {
    for (const [vip, stats] of Object.entries(vips)) {
      for (const name of ['request_duration_ms', 'upstream_response_ms']) {
        const where = `by_source[${JSON.stringify(source)}].vips[${JSON.stringify(vip)}].${name}`;
        problems.push(...cumulativeProblems(where, stats[name]));
      }
    }
  }
  return problems;
}

function cumulativeProblems(where: string, histogram: HistogramJson): string[] {
  const problems: string[] = [];
  const keys = Object.keys(histogram.buckets);
  const bounds = keys.filter((key) => key !== '+Inf').map(Number);
  const sorted = [...bounds].sort((a, b) => a - b);
  if (bounds.join() !== sorted.join()) problems.push(`${where}: bounds not in increasing order: ${keys.join(', ')}`);
  if (keys[keys.length - 1] !== '+Inf') problems.push(`${where}: "+Inf" is not the last bucket`);
  let previous = 0;
  for (const bound of sorted) {
    const value = histogram.buckets[String(bound)];
    if (value < previous) problems.push(`${where}: bucket ${bound} (${value}) is below the previous one (${previous}): not cumulative`);
    previous = value;
  }
  const infinity = histogram.buckets['+Inf'];
  if (infinity < previous) problems.push(`${where}: bucket +Inf (${infinity}) is below the previous one (${previous})`);
  if (infinity !== histogram.count) problems.push(`${where}: bucket +Inf (${infinity}) differs from count (${histogram.count})`);
  return problems;
}

/** An ssl_status location's JSON against schema/ssl-status-v1.schema.json. */
export function validateSslStatusJson(body: unknown): void {
  schemaChecked(ajv, validateSsl, 'ssl-status-v1.schema.json', 'SSL status', body);
}

export interface ReqstatJsonZone {
  name: string;
  key_length: number;
  recycle: { times: number; seconds: number };
  size_bytes: number;
  free_bytes: number;
  keys_recycled: number;
  keys_dropped: number;
  requests_dropped: number;
  fields: string[];
  keys: Array<{ kv: string; values: number[] }>;
}

interface ReqstatJson {
  zones: ReqstatJsonZone[];
}

/** A req_status_show location's JSON against schema/ipng-reqstat-v1.schema.json. */
export function validateReqstatJson(body: string): ReqstatJson {
  const parsed = schemaChecked(reqstatAjv, validateReqstat, 'ipng-reqstat-v1.schema.json', 'req_status_show', body) as ReqstatJson;
  const problems: string[] = [];
  for (const zone of parsed.zones) {
    for (const key of zone.keys) {
      if (key.values.length !== zone.fields.length) {
        problems.push(`zone ${zone.name} key ${JSON.stringify(key.kv)}: ${key.values.length} values for ${zone.fields.length} fields`);
      }
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return parsed;
}

// Validates a scrape's JSON against schema/ipng-stats-v1.schema.json (with
// ajv, draft 2020-12), then checks what JSON Schema cannot express: the
// buckets of each histogram are cumulative, in increasing bound order,
// and "+Inf" equals count.
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schema/ipng-stats-v1.schema.json';
import sslSchema from '../../schema/ssl-status-v1.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: true });
// the scrape's optional "ssl" (revision 2 of schema 1) refers to a zone of the SSL status schema
ajv.addSchema(sslSchema);
const validate = ajv.compile(schema);

/** `body`: the parsed document, or the response text (parsed here). Throws on any problem. */
export function validateStatsJson(body: unknown): void {
  let document = body;
  if (typeof body === 'string') {
    try {
      document = JSON.parse(body);
    } catch (error) {
      throw new Error(`scrape body is not JSON: ${(error as Error).message}\n${body.slice(0, 500)}`);
    }
  }
  if (!validate(document)) {
    throw new Error(
      `scrape JSON does not match ipng-stats-v1.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`,
    );
  }
  const problems = histogramProblems(document as unknown as StatsJson);
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

const validateSsl = ajv.getSchema(sslSchema.$id)!;

/** An ssl_status location's JSON (parsed here when given as text) against schema/ssl-status-v1.schema.json. */
export function validateSslStatusJson(body: unknown): void {
  const document = typeof body === 'string' ? JSON.parse(body) : body;
  if (!validateSsl(document)) {
    throw new Error(`SSL status JSON does not match ssl-status-v1.schema.json:\n${ajv.errorsText(validateSsl.errors, { separator: '\n' })}`);
  }
}

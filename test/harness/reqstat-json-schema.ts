// Validates a req_status_show JSON body against
// schema/ipng-reqstat-v1.schema.json (ajv, draft 2020-12), then what JSON
// Schema cannot say: each key has one value per field. Throws on any problem.
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schema/ipng-reqstat-v1.schema.json';

// strictTuples off: fields is the 29 built-ins, then any number of indicators (open tuple).
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTuples: false });
const validate = ajv.compile(schema);

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

export function validateReqstatJson(body: string): ReqstatJson {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new Error(`req_status_show body is not JSON: ${(error as Error).message}\n${body.slice(0, 500)}`);
  }
  if (!validate(document)) {
    throw new Error(`req_status_show JSON does not match ipng-reqstat-v1.schema.json:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
  const parsed = document as unknown as ReqstatJson;
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

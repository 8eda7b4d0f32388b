// The nginx_ipng_requests_total family, rendered from zone entries.
import { parseRequestsKey } from '../counters/keys';
import { formatFamily, Sample } from './prometheus';

export function requestsFamilyText(entries: Array<[string, number]>): string {
  const samples: Sample[] = [];
  for (let i = 0; i < entries.length; i++) {
    const labels = parseRequestsKey(entries[i][0]);
    if (labels === null) continue;
    samples.push({
      labels: { source_tag: labels.sourceTag, vip: labels.vip, code: labels.code },
      value: entries[i][1],
    });
  }
  samples.sort(compareSamples);
  return formatFamily({
    name: 'nginx_ipng_requests_total',
    help: 'Request count per (source, vip, status_code).',
    type: 'counter',
    samples,
  });
}

function compareSamples(a: Sample, b: Sample): number {
  const ka = a.labels.source_tag + '\x00' + a.labels.vip + '\x00' + a.labels.code;
  const kb = b.labels.source_tag + '\x00' + b.labels.vip + '\x00' + b.labels.code;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

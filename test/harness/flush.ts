// With the shim, requests are aggregated per worker and reach the zone
// through the ticks (which drain $ipng_stats_writer_deltas): a worker that does
// not hold the writer lease hands its counts to the shim's handoff at its
// flush, and the lease holder writes them at its own next flush: two
// rounds. A test that asserts counts waits for that first.
import { httpGet } from './http';
import { samples } from './exposition';
import { sleep } from '../../scripts/nginx-process.mjs';

function flushCounts(body: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of samples(body, 'nginx_ipng_flushes_total')) {
    const m = /worker="(\d+)"\} (\d+)$/.exec(line);
    if (m) counts[m[1]] = Number(m[2]);
  }
  return counts;
}

/**
 * Resolves once each of `workers` workers has completed two flushes that
 * started after this call: whatever a worker had aggregated before the
 * call is then in the zone, in either layout (the first round hands every
 * worker's counts to the writer, the second has the writer write them). A
 * flush runs to completion inside its worker, so the first increment of
 * its counter after a round began comes from a flush that began later.
 */
export async function afterNextFlush(metricsUrl: string, workers = 2, timeoutMs = 5000): Promise<void> {
  await flushRound(metricsUrl, workers, timeoutMs);
  await flushRound(metricsUrl, workers, timeoutMs);
}

async function flushRound(metricsUrl: string, workers: number, timeoutMs: number): Promise<void> {
  const before = flushCounts((await httpGet(metricsUrl)).body);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const now = flushCounts((await httpGet(metricsUrl)).body);
    let done = true;
    for (let w = 0; w < workers; w++) {
      const was = before[String(w)];
      const is = now[String(w)];
      if (is === undefined || (was !== undefined && is <= was)) done = false;
    }
    if (done) return;
    if (Date.now() > until) {
      throw new Error(`no flush in every worker within ${timeoutMs} ms: before ${JSON.stringify(before)}, now ${JSON.stringify(now)}`);
    }
    await sleep(20);
  }
}

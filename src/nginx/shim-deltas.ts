// Reads what the shim aggregated in this worker since the last read
// ($ipng_stats_deltas; reading it clears it). Empty without the shim.

export function drainShimDeltas(s: NginxPeriodicSession): string {
  const text = s.variables.ipng_stats_deltas;
  return text === undefined ? '' : text;
}

// Reads what the shim aggregated since the last read; reading clears it.
// Empty without the shim.

/**
 * $ipng_stats_writer_deltas (the record layout): for the one worker that
 * holds the shim's writer lease, "w" then every worker's counts; for any
 * other worker '' (the shim keeps its counts for the writer).
 */
export function drainWriterDeltas(s: NginxPeriodicSession): string {
  const text = s.variables.ipng_stats_writer_deltas;
  return text === undefined ? '' : text;
}

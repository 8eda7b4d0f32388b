// Reading Prometheus text in tests.

/** The samples of one metric family, as `name{labels} value` lines, in scrape order. */
export function samples(body: string, name: string): string[] {
  return body.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
}

/** Value of one exposition line selected by its exact `name{labels}` prefix; undefined if absent. */
export function sampleValue(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

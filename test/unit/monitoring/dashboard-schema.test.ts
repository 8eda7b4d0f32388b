// The dashboard JSON against Grafana's own types (@grafana/schema): the
// Dashboard model (templating, panels, field config), and each panel's
// options against its panel plugin's Options type (timeseries, heatmap).
// The JSON is pasted into a TypeScript file as an object literal, so the
// compiler also rejects properties the types do not know (a misspelled
// key) and values outside a union. A second file with known mistakes must
// fail, so the check is shown able to fail.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboard, type DashboardJson } from '../../harness/monitoring';
import { repoRoot } from '../../integration/stats-support';

const PANEL_OPTIONS_TYPES: Record<string, string> = {
  timeseries: 'TimeSeriesOptions',
  heatmap: 'HeatmapOptions',
};

function typedModule(d: DashboardJson): string {
  const lines = [
    "import type { Dashboard } from '@grafana/schema';",
    "import type { Options as HeatmapOptions } from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';",
    "import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';",
    // JSON has no enums: a string enum member is written as its value.
    'type Json<T> = T extends string ? `${T}` : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    `export const dashboard: Json<Dashboard> = ${JSON.stringify(d, null, 2)};`,
  ];
  for (const panel of d.panels) {
    const type = PANEL_OPTIONS_TYPES[panel.type];
    if (type === undefined) throw new Error(`panel "${panel.title}": no options type known for panel type ${panel.type}`);
    lines.push(`export const panel${panel.id}Options: Json<${type}> = ${JSON.stringify(panel.options, null, 2)};`);
  }
  return lines.join('\n') + '\n';
}

function typecheck(files: Record<string, string>): string {
  // Inside the repository, so that @grafana/schema resolves from node_modules.
  mkdirSync(join(repoRoot, 'build'), { recursive: true });
  const dir = mkdtempSync(join(repoRoot, 'build', 'dashboard-schema-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const res = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'esnext',
        '--moduleResolution', 'bundler', '--types', 'node',
        ...Object.keys(files).map((name) => join(dir, name)),
      ],
      { encoding: 'utf8', cwd: repoRoot },
    );
    return (res.stdout ?? '') + (res.stderr ?? '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('monitoring/dashboards/ipng-stats.json against @grafana/schema', () => {
  it('type-checks as a Dashboard with each panel options type; a broken copy does not', () => {
    const good = dashboard();
    const broken = dashboard();
    broken.panels[0].titel = broken.panels[0].title; // unknown panel property
    broken.templating.list[2].multi = 'yes'; // boolean expected
    const heatmap = broken.panels.find((p: DashboardJson) => p.type === 'heatmap');
    heatmap.options.yAxis.axisPlacement = 'middle'; // not an AxisPlacement
    const output = typecheck({ 'good.ts': typedModule(good), 'broken.ts': typedModule(broken) });
    const errorLines = output.split('\n').filter((l) => / error TS\d+:/.test(l));
    expect(errorLines.filter((l) => l.includes('good.ts')), output).toEqual([]);
    const brokenErrors = errorLines.filter((l) => l.includes('broken.ts')).join('\n');
    expect(brokenErrors).toMatch(/'"titel"' does not exist in type/);
    expect(brokenErrors).toMatch(/Type 'string' is not assignable to type 'boolean \| undefined'/);
    expect(brokenErrors).toMatch(/Type '"middle"' is not assignable/);
    expect(errorLines.filter((l) => l.includes('broken.ts'))).toHaveLength(3);
  });
});

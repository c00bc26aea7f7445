import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Placeholder for the asset loader the o2-assets branch provides (same interface); it reads whatever files
 * exist under openobserve/ and vrl/ with no validation. Replaced at merge.
 */

export const AlertThresholdsSchema = z.record(z.string(), z.number());
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;
export const DEFAULT_THRESHOLDS: AlertThresholds = {};

export interface AssetOptions {
  readonly invocationsStream: string;
  readonly metricsStream: string;
  readonly thresholds: AlertThresholds;
}
export interface DashboardAsset {
  readonly title: string;
  readonly file: string;
  readonly body: Record<string, unknown>;
}
export interface AlertAsset {
  readonly name: string;
  readonly file: string;
  readonly streamType: 'logs' | 'metrics';
  readonly streamName: string;
  readonly body: Record<string, unknown>;
}
export interface FunctionAsset {
  readonly name: string;
  readonly file: string;
  readonly source: string;
  readonly streamName: string;
}
export interface AssetSet {
  readonly dashboards: readonly DashboardAsset[];
  readonly alerts: readonly AlertAsset[];
  readonly functions: readonly FunctionAsset[];
}

export const DEFAULT_ASSET_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function filesIn(dir: string, suffix: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

export function loadAssets(options: AssetOptions, root: string = DEFAULT_ASSET_ROOT): AssetSet {
  const dashboards = filesIn(join(root, 'openobserve/dashboards'), '.dashboard.json').map((file) => {
    const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return { title: String(body['title']), file, body };
  });
  const alerts = filesIn(join(root, 'openobserve/alerts'), '.json').map((file): AlertAsset => {
    const body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const metrics = body['stream_type'] === 'metrics';
    return {
      name: String(body['name']),
      file,
      streamType: 'logs',
      streamName: metrics ? options.metricsStream : options.invocationsStream,
      body,
    };
  });
  const functions = filesIn(join(root, 'vrl'), '.vrl').map((file) => ({
    name: basename(file, '.vrl'),
    file,
    source: readFileSync(file, 'utf8'),
    streamName: options.invocationsStream,
  }));
  return { dashboards, alerts, functions };
}

export function loadThresholds(file: string | undefined, overrides: readonly string[]): AlertThresholds {
  const thresholds: Record<string, number> = {
    ...DEFAULT_THRESHOLDS,
    ...(file === undefined ? {} : AlertThresholdsSchema.parse(JSON.parse(readFileSync(file, 'utf8')))),
  };
  for (const pair of overrides) {
    const [key, value] = pair.split('=');
    const number = Number(value);
    if (key === undefined || key === '' || value === undefined || !Number.isFinite(number)) {
      throw new Error(`--threshold ${pair}: expected key=number`);
    }
    thresholds[key] = number;
  }
  return thresholds;
}

/**
 * One bench scenario in a fresh process, so that its peak RSS is its own: `node bench/memory.ts <name>`
 * prints {"scenario","rssBeforeMB","peakRssMB","results"} as JSON. Run by transform.bench.ts.
 */
import { processLogsEvent } from '../functions/transform/logs/process-logs.ts';
import { createNormaliser } from '../functions/transform/row/normalise.ts';
import { silentTelemetry } from '../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../schemas/config.ts';
import { ADVERSARIAL, mixedEvent } from './events.ts';

const name = process.argv[2] ?? 'mixed';
const build =
  name === 'mixed'
    ? () =>
        mixedEvent(Number(process.env['BENCH_RECORDS'] ?? 120), Number(process.env['BENCH_EVENTS'] ?? 25))
          .event
    : ADVERSARIAL[name];
if (build === undefined) {
  console.error(`unknown scenario ${name}; one of: mixed, ${Object.keys(ADVERSARIAL).join(', ')}`);
  process.exit(2);
}
const event = build();
globalThis.gc?.();
const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
const rssBefore = process.memoryUsage.rss();
const { response } = await processLogsEvent(event, {
  normaliser: createNormaliser(TransformConfigSchema.parse({})),
  telemetry: silentTelemetry,
});
const results: Record<string, number> = {};
for (const record of response.records) results[record.result] = (results[record.result] ?? 0) + 1;
console.log(
  JSON.stringify({
    scenario: name,
    rssBeforeMB: mb(rssBefore),
    // resourceUsage().maxRSS is in KiB.
    peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
    results,
  }),
);

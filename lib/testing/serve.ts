/**
 * Run the MAAS simulator as its own process (demo, benchmarks):
 *
 *   node dist/testing/serve.js --port 0 --era 3.8 --data-dir DIR --throttle BYTES_PER_SEC
 *
 * Prints one JSON line `{"url","apiUrl","adminKey","userKey","pid"}` on stdout once listening, and
 * runs until SIGTERM/SIGINT, then closes cleanly (state persisted) and exits 0. The keys are test
 * credentials generated for this simulator, which is why printing them is the point here.
 */
import { parseArgs } from 'node:util';
import { startMaasSimulator } from './server.js';
import type { MaasEra, SimulatorOptions } from './types.js';

const USAGE =
  'usage: serve.js [--port N] [--era 3.4|3.7|3.8] [--data-dir DIR] [--throttle BYTES_PER_SEC]\n' +
  '                [--max-body-bytes N|Infinity] [--regions N] [--region-sync-ms N] [--version V]\n';

function numberArg(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value === 'Infinity' ? Infinity : Number(value);
  if (Number.isNaN(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      era: { type: 'string' },
      'data-dir': { type: 'string' },
      throttle: { type: 'string' },
      'max-body-bytes': { type: 'string' },
      regions: { type: 'string' },
      'region-sync-ms': { type: 'string' },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const era = values.era ?? '3.8';
  if (!['3.4', '3.7', '3.8'].includes(era)) throw new Error(`--era must be 3.4, 3.7 or 3.8, got ${era}`);
  const opts: SimulatorOptions = { era: era as MaasEra };
  const port = numberArg('port', values.port);
  if (port !== undefined) opts.port = port;
  if (values['data-dir'] !== undefined) opts.dataDir = values['data-dir'];
  const maxBody = numberArg('max-body-bytes', values['max-body-bytes']);
  if (maxBody !== undefined) opts.maxBodyBytes = maxBody;
  const regions = numberArg('regions', values.regions);
  if (regions !== undefined) opts.regions = regions;
  const syncMs = numberArg('region-sync-ms', values['region-sync-ms']);
  if (syncMs !== undefined) opts.regionSyncMs = syncMs;
  if (values.version !== undefined) opts.version = values.version;

  const sim = await startMaasSimulator(opts);
  const throttle = numberArg('throttle', values.throttle);
  if (throttle) sim.faults.throttle(throttle);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`maas simulator: close failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(
    `${JSON.stringify({ url: sim.url, apiUrl: sim.apiUrl, adminKey: sim.adminKey, userKey: sim.userKey, pid: process.pid })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`maas simulator: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  process.exit(2);
});

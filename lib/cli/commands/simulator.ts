import type { SimulatorRunOptions } from '../../testing/run-simulator.js';
import { defineCommand } from '../command.js';
import { parseRate } from '../sizes.js';

function optionalNumber(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** `simulator …`: the MAAS simulator for a user's own CI; the work is `runSimulator` (lib/testing/run-simulator.ts). */
export const simulatorCommand = defineCommand<SimulatorRunOptions>({
  command: 'simulator',
  summary: 'run a simulated MAAS (machines, racks, regions, faults) on 127.0.0.1 and print its URL and an API key',
  examples: [
    ['maas-esxi simulator --era 3.4 --machines esx1:Ready,esx2:Ready:fail=network --racks 3', 'a MAAS 3.4 with two machines (esx2 fails its first-boot network step) and three racks'],
    ["maas-esxi simulator --regions 2 --port 5240 --fault 'PUT#3=503'", 'two regions on port 5240; the third chunk PUT answers 503'],
    ['maas-esxi simulator --throttle 4M', 'a 4 MiB/s link: time to press Ctrl-C mid-upload and resume'],
  ],
  builder: (y) =>
    y
      .option('era', { type: 'string', describe: 'MAAS behaviour to imitate: 3.4, 3.7 or 3.8 (default 3.8)' })
      .option('machines', { type: 'string', describe: 'HOST[:STATUS][:fail=STEP],… machines MAAS manages' })
      .option('racks', { type: 'number', describe: 'rack controllers (default 1)' })
      .option('regions', { type: 'number', describe: 'region controllers (default 1)' })
      .option('port', { type: 'number', describe: 'TCP port on 127.0.0.1 (default: any free port)' })
      .option('fault', { type: 'string', array: true, describe: 'METHOD#N=STATUS|lost|reset, e.g. PUT#3=503 (repeatable)' })
      .option('data-dir', { type: 'string', describe: 'keep the simulated state here across runs' })
      .option('throttle', { type: 'string', describe: 'a slow link: request bodies arrive at RATE bytes/s, e.g. 4M, 500K' }),
  async parse(argv) {
    const options: SimulatorRunOptions = {
      era: argv['era'] === undefined ? undefined : String(argv['era']),
      machines: argv['machines'] === undefined ? undefined : String(argv['machines']),
      racks: optionalNumber(argv['racks']),
      regions: optionalNumber(argv['regions']),
      port: optionalNumber(argv['port']),
      faults: Array.isArray(argv['fault']) ? argv['fault'].map(String) : undefined,
      dataDir: argv['data-dir'] === undefined ? undefined : String(argv['data-dir']),
      throttle: argv['throttle'] === undefined ? undefined : parseRate(String(argv['throttle']), '--throttle'),
    };
    // Bad input is refused before anything runs or prints. The simulator loads only when it runs,
    // not for --help or a completion Tab (bench/startup.mjs).
    const { simulatorSetup } = await import('../../testing/run-simulator.js');
    simulatorSetup(options);
    return options;
  },
  async run(o, ctx) {
    const { runSimulator } = await import('../../testing/run-simulator.js');
    ctx.out.info('Simulated MAAS running; Ctrl-C stops it.');
    await runSimulator(o, { print: (line) => ctx.out.text(line), signal: ctx.signal });
  },
});

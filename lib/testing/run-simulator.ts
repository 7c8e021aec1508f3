/**
 * `maas-esxi simulator`: the MAAS simulator as a process a user runs in their own CI, with
 * machines, racks, regions and faults given on the command line; it prints the URL and a ready
 * API key (test credentials it generated: printing them is the point) and runs until stopped.
 */
import { MaasConfigError } from '../errors/index.js';
import type { SimMachineOptions, SimMachineStatus } from './ops-types.js';
import { startMaasSimulator } from './server.js';
import type { FaultRule, MaasEra, MaasSimulator, SimulatorOptions } from './types.js';

/** The command's options as given: text where the command line has text. */
export interface SimulatorRunOptions {
  era?: string | undefined;
  /** `esx1:Ready,esx2:Ready:fail=network` — hostname, start status, the first-boot step that fails. */
  machines?: string | undefined;
  racks?: number | undefined;
  regions?: number | undefined;
  port?: number | undefined;
  /** Each `METHOD#N=STATUS` (e.g. `PUT#3=503`), `METHOD#N=lost` (applied, answer lost) or `METHOD#N=reset` (cut, not applied). */
  faults?: readonly string[] | undefined;
  dataDir?: string | undefined;
  /** Bytes per second at which request bodies arrive (a slow link), or none. */
  throttle?: number | undefined;
}

const ERAS: readonly MaasEra[] = ['3.4', '3.7', '3.8'];
const STATUSES: readonly SimMachineStatus[] = ['New', 'Ready', 'Allocated', 'Deploying', 'Deployed', 'Failed deployment', 'Broken'];

function usage(message: string, hint: string, option: string): MaasConfigError {
  return new MaasConfigError(message, { code: 'USAGE', hint, fix: { option } });
}

/** `esx1:Ready:fail=network` → a simulated machine. */
function parseMachine(spec: string): SimMachineOptions {
  const [hostname = '', ...rest] = spec.split(':');
  const machine: SimMachineOptions = { hostname };
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(hostname)) throw usage(`'${spec}' does not start with a hostname.`, 'Write each machine as HOST[:STATUS][:fail=STEP], e.g. esx1:Ready:fail=network.', 'machines');
  for (const part of rest) {
    const fail = /^fail=([a-z][a-z-]*)$/.exec(part);
    if (fail) machine.firstBoot = { failAt: fail[1]! };
    else if ((STATUSES as readonly string[]).includes(part)) machine.status = part as SimMachineStatus;
    else throw usage(`'${part}' in machine '${spec}' is neither a status nor fail=STEP.`, `Use one of ${STATUSES.join(', ')}, or fail=STEP.`, 'machines');
  }
  return machine;
}

/** `PUT#3=503` → a fault rule: the 3rd PUT answers 503. */
function parseFault(spec: string): FaultRule {
  const m = /^(GET|POST|PUT|DELETE)#([1-9]\d*)=(\d{3}|lost|reset)$/.exec(spec);
  if (!m) throw usage(`'${spec}' is not a fault.`, 'Write METHOD#N=STATUS, METHOD#N=lost or METHOD#N=reset, e.g. PUT#3=503.', 'faults');
  const match = { method: m[1]!, nth: Number(m[2]) };
  if (m[3] === 'lost') return { match, action: { type: 'cut', apply: true } };
  if (m[3] === 'reset') return { match, action: { type: 'cut', afterBytes: 0, apply: false } };
  return { match, action: { type: 'status', status: Number(m[3]) } };
}

/** `, not 2.5` for what was given; nothing for NaN (the command line's `x`, which yargs reads as NaN). */
function butGot(value: number): string {
  return Number.isNaN(value) ? '' : `, not ${value}`;
}

function count(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 64) throw usage(`--${what} takes a count from 1 to 64${butGot(value)}.`, `Give --${what} a whole number, e.g. --${what} 2.`, what);
  return value;
}

/** The simulator's options and fault rules from the command's options; bad input is one MaasConfigError (code USAGE). */
export function simulatorSetup(o: SimulatorRunOptions): { options: SimulatorOptions; faults: FaultRule[] } {
  const era = o.era ?? '3.8';
  if (!(ERAS as readonly string[]).includes(era)) throw usage(`MAAS era '${era}' is not simulated.`, 'Use --era 3.4, 3.7 or 3.8.', 'era');
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) {
    throw usage(`--port takes a TCP port${butGot(o.port)}.`, 'Use a port from 0 (any free one) to 65535, e.g. --port 5240.', 'port');
  }
  if (o.throttle !== undefined && !(Number.isFinite(o.throttle) && o.throttle >= 1024)) {
    throw usage(`--throttle takes bytes per second, at least 1K${butGot(o.throttle)}.`, 'Give a rate such as --throttle 4M or --throttle 500K.', 'throttle');
  }
  const racks = count(o.racks, 'racks');
  const options: SimulatorOptions = {
    era: era as MaasEra,
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(count(o.regions, 'regions') !== undefined ? { regions: o.regions } : {}),
    ...(racks !== undefined ? { racks: Array.from({ length: racks }, (_, i) => ({ hostname: `rack-${i + 1}` })) } : {}),
    ...(o.machines ? { machines: o.machines.split(',').map(parseMachine) } : {}),
  };
  return { options, faults: (o.faults ?? []).map(parseFault) };
}

/**
 * Start the simulator, print `MAAS_API_URL=…` and `MAAS_API_KEY=…` (an administrator's key) on
 * `print`, and run until `signal` aborts; then close it (state persisted in `dataDir`).
 */
export async function runSimulator(o: SimulatorRunOptions, io: { print(line: string): void; signal: AbortSignal }): Promise<MaasSimulator> {
  const { options, faults } = simulatorSetup(o);
  const sim = await startMaasSimulator(options);
  for (const rule of faults) sim.faults.add(rule);
  if (o.throttle) sim.faults.throttle(o.throttle);
  io.print(`MAAS_API_URL=${sim.url}`);
  io.print(`MAAS_API_KEY=${sim.adminKey}`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sim.close();
  return sim;
}

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DeployProgress } from '../../resources/deployment.js';
import { defineCommand, type RunContext } from '../command.js';
import { formatDuration } from '../format.js';
import { UsageError } from '../grammar.js';
import { refreshMachines } from '../machine-cache.js';
import { declareWaitFlags, parseWaitFlags } from '../ops-flags.js';

interface DeployCommandOptions {
  machine: string;
  image: string;
  wait: boolean;
  timeoutMs: number;
  pollMs: number | undefined;
  /** Absolute path of the user-data file. */
  userDataPath: string | undefined;
  /** false with --no-first-boot: Deployed is enough (an image without our first-boot payload). */
  firstBoot: boolean | undefined;
}

const DEFAULT_DEPLOY_TIMEOUT_MS = 60 * 60_000;

/**
 * One progress line (or JSON line with --json) per step of the deployment, on stderr. MAAS marks
 * the machine Deployed when it fetches its user-data, part-way through our first boot
 * (packer/vmware-esxi/README.md "Status events"), so a status change read in the same poll as a
 * FAILED verdict would print "now Deployed" after it: once a failure is shown, status lines stop
 * (the error line that follows says what happened).
 */
function progressPrinter(ctx: RunContext): (p: DeployProgress) => void {
  let failed = false;
  return (p) => {
    if (p.kind === 'event' && (p.firstBoot?.kind === 'failure' || (p.firstBoot?.kind === 'verdict' && !p.firstBoot.ok))) failed = true;
    else if (p.kind === 'status' && failed && !ctx.flags.json) return;
    show(ctx, p);
  };
}

function show(ctx: RunContext, p: DeployProgress): void {
  if (ctx.flags.json) {
    ctx.out.event(p.kind === 'event' ? { event: 'maas-event', ...p.event, firstBoot: p.firstBoot } : { event: p.kind, system_id: p.machine.system_id, hostname: p.machine.hostname, status_name: p.machine.status_name });
    return;
  }
  if (p.kind === 'allocated') ctx.out.info(`Allocated ${p.machine.hostname} (${p.machine.system_id}).`);
  else if (p.kind === 'deploying') ctx.out.info(`MAAS is deploying ${p.machine.hostname} (${p.machine.system_id}): ${p.machine.status_name}.`);
  else if (p.kind === 'status') ctx.out.info(`${p.machine.hostname}: now ${p.machine.status_name}.`);
  else {
    const fb = p.firstBoot;
    const what =
      fb?.kind === 'step'
        ? `first boot: ${fb.step} — ${fb.what}`
        : fb?.kind === 'verdict'
          ? fb.ok
            ? `first boot finished: SUCCESS (${fb.steps} steps)`
            : `first boot FAILED at ${fb.step}: ${fb.cause}`
          : `${p.event.type}${p.event.description ? `: ${p.event.description}` : ''}`;
    ctx.out.info(`${p.event.created}  ${p.event.level.padEnd(5)}  ${what}`);
  }
}

/** `PROFILE deploy MACHINE --image esxi/8.0 [--wait]`: allocate if needed, deploy, and verify. */
export const deployCommand = defineCommand<DeployCommandOptions>({
  command: 'deploy <machine>',
  summary: 'deploy an image on a machine (system_id or hostname) and, with --wait, follow it to a verified end',
  examples: [
    ['maas-esxi admin deploy esx-01 --image esxi/8.0 --wait', 'deploy, then follow MAAS events and our first boot to its verdict'],
    ['maas-esxi admin deploy 4y3h7n --image esxi/8.0 --user-data site.ks --wait --timeout 90m', 'with user-data, a longer wait'],
    ['maas-esxi admin deploy esx-01 --image esxi/8.0 --wait --json', 'JSON lines on stderr, the result on stdout'],
  ],
  notes: [
    'With --wait, exit 0 only when MAAS says Deployed and, for esxi/… images, our first boot reports SUCCESS; ' +
      'exit 6 when the deployment failed (MAAS "Failed deployment", a failure event, or a FAILED first boot), 5 on timeout, ' +
      "2 when MAAS refuses the machine's state (e.g. already Deployed: release it first).",
  ],
  builder: (y) =>
    declareWaitFlags(
      y
        .positional('machine', { type: 'string', describe: 'system_id or hostname' })
        .option('image', { type: 'string', describe: 'the image as MAAS names it, e.g. esxi/8.0 (sent as distro_series)' })
        .option('wait', { type: 'boolean', default: false, describe: 'follow the deployment to its end' })
        .option('user-data', { type: 'string', describe: 'file passed to the machine as user-data' })
        .option('first-boot', { type: 'boolean', describe: "wait for our first boot's verdict (default for esxi/… images; --no-first-boot for other images)" }),
      '60m',
    ),
  parse(argv, ctx) {
    const image = argv['image'];
    if (typeof image !== 'string' || image === '') throw new UsageError('deploy needs --image (e.g. --image esxi/8.0).');
    const userData = argv['user-data'];
    const firstBoot = argv['first-boot'];
    return {
      machine: String(argv['machine']),
      image,
      wait: argv['wait'] === true,
      ...parseWaitFlags(argv, DEFAULT_DEPLOY_TIMEOUT_MS),
      userDataPath: typeof userData === 'string' ? resolve(ctx.io.cwd, userData) : undefined,
      firstBoot: typeof firstBoot === 'boolean' ? firstBoot : undefined,
    };
  },
  async run(o, ctx) {
    const userData = o.userDataPath === undefined ? undefined : await readFile(o.userDataPath).catch((cause: unknown) => {
      throw new UsageError(`Cannot read --user-data ${o.userDataPath}: ${(cause as Error).message}.`);
    });
    // Whatever the deploy's outcome, the machine list read on the way feeds `deploy <TAB>`.
    const refreshed = refreshMachines(ctx.maas(), ctx.stateDir, ctx.profile, ctx.signal);
    const result = await ctx.maas().deploy({
      machine: o.machine,
      distroSeries: o.image,
      userData,
      wait: o.wait,
      timeoutMs: o.timeoutMs,
      pollIntervalMs: o.pollMs,
      firstBootVerdict: o.firstBoot,
      signal: ctx.signal,
      onProgress: progressPrinter(ctx),
    }).done().finally(() => refreshed);
    if (o.wait && !ctx.flags.json) {
      const verdict = result.firstBootSteps === undefined ? '' : `, first boot SUCCESS (${result.firstBootSteps} steps)`;
      ctx.out.info(`${result.machine.hostname} is Deployed${verdict} after ${formatDuration(result.elapsedMs / 1000)}.`);
    }
    ctx.out.result(ctx.flags.json ? { machine: result.machine, firstBootSteps: result.firstBootSteps ?? null, elapsedMs: result.elapsedMs } : result.machine);
  },
});

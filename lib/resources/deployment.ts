import { setTimeout as sleep } from 'node:timers/promises';
import { DeploymentFailedError, MaasAbortError, MaasTimeoutError } from '../errors/index.js';
import type { Events, MaasEvent } from './events.js';
import { isFailureEvent, parseFirstBootEvent, type FirstBootReport } from './first-boot-events.js';
import { NODE_STATUS, type Machine, type Machines } from './machines.js';

export interface DeployOptions {
  /** system_id or hostname. */
  machine: string;
  /** e.g. `esxi/8.0`: MAAS resolves a custom image from `distro_series` alone (MachineHandler.deploy). */
  distroSeries: string;
  userData?: Buffer | string | undefined;
  /** Follow the deployment to its end (default true); false returns right after MAAS accepted it. */
  wait?: boolean | undefined;
  /** Default 60 min. */
  timeoutMs?: number | undefined;
  /** Default 5 s. */
  pollIntervalMs?: number | undefined;
  /**
   * Require our first boot's SUCCESS verdict besides "Deployed" (MAAS marks an ESXi machine
   * Deployed when it fetches user-data, before our first boot ends). Default: for `esxi/…`.
   */
  firstBootVerdict?: boolean | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: DeployProgress) => void) | undefined;
}

export type DeployProgress =
  | { kind: 'allocated'; machine: Machine }
  | { kind: 'deploying'; machine: Machine }
  | { kind: 'status'; machine: Machine }
  | { kind: 'event'; event: MaasEvent; firstBoot?: FirstBootReport | undefined };

export interface DeployResult {
  machine: Machine;
  /** Events after the deploy request, oldest first. */
  events: MaasEvent[];
  /** Our first boot's verdict, when one was required and seen. */
  firstBootSteps?: number | undefined;
  elapsedMs: number;
}

/**
 * Deploy a machine and, by default, verify the deployment: success is MAAS's Deployed and, for
 * our image, the first boot's SUCCESS verdict. Failure (DeploymentFailedError) is MAAS's
 * "Failed deployment", a failure event, or a FAILED verdict — with the failing step's text.
 */
export async function deployAndVerify(machines: Machines, events: Events, opts: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60 * 60_000;
  const interval = opts.pollIntervalMs ?? 5000;
  const needVerdict = opts.firstBootVerdict ?? opts.distroSeries.startsWith('esxi/');
  const { signal } = opts;
  let machine = await machines.find(opts.machine, signal);
  const id = machine.system_id;
  // Only events after the request count: the log also holds every earlier deployment's.
  let after = await events.latestId({ id, level: 'DEBUG' }, signal);
  if (machine.status === NODE_STATUS.READY) {
    machine = await machines.allocate(id, signal);
    opts.onProgress?.({ kind: 'allocated', machine });
  }
  machine = await machines.deploy(id, { distroSeries: opts.distroSeries, userData: opts.userData, signal });
  opts.onProgress?.({ kind: 'deploying', machine });
  if (opts.wait === false) return { machine, events: [], elapsedMs: Date.now() - started };

  const seen: MaasEvent[] = [];
  let lastStep: string | undefined;
  let lastStatus = machine.status_name;
  // Kept across polls: the verdict may arrive in the same read as the status change before it.
  let verdict: number | undefined;
  for (;;) {
    // Status first, then events: MAAS logs a failure before it marks the machine failed, so the
    // events read next always include the failure that explains the status just read.
    machine = await machines.read(id, signal);
    const fresh = await events.since({ id, level: 'DEBUG', after }, signal);
    let failure: { step: string | undefined; text: string } | undefined;
    for (const event of fresh) {
      after = event.id;
      seen.push(event);
      const firstBoot = parseFirstBootEvent(event);
      opts.onProgress?.({ kind: 'event', event, firstBoot });
      if (firstBoot?.kind === 'step') lastStep = firstBoot.step;
      if (firstBoot?.kind === 'verdict' && firstBoot.ok) verdict = firstBoot.steps;
      if (firstBoot?.kind === 'verdict' && !firstBoot.ok) failure = { step: firstBoot.step, text: `first boot FAILED at ${firstBoot.step}: ${firstBoot.cause}` };
      else if (firstBoot?.kind === 'failure' && !failure) {
        const step = firstBoot.step ?? lastStep;
        failure = { step, text: `first boot FAILED at ${step ?? 'an unnamed step'}: ${firstBoot.cause}` };
      }
      else if (isFailureEvent(event) && !failure) failure = { step: undefined, text: `${event.type}: ${event.description}` };
    }
    if (machine.status_name !== lastStatus) {
      lastStatus = machine.status_name;
      opts.onProgress?.({ kind: 'status', machine });
    }
    if (failure || machine.status === NODE_STATUS.FAILED_DEPLOYMENT) {
      const text = failure?.text ?? `MAAS marked the machine "${machine.status_name}"${machine.status_message ? `: ${machine.status_message}` : ''}`;
      throw new DeploymentFailedError(`Deployment of ${machine.hostname} (${id}) failed: ${text}`, {
        step: failure?.step,
        code: 'DEPLOYMENT_FAILED',
        hint: failure?.step
          ? `The ESXi first boot stopped at "${failure.step}"; see the host's /var/log/maas.log (the payload's log) and docs/esxi-first-boot.md.`
          : `See the machine's event log and installation output in MAAS (maas PROFILE events query id=${id} level=DEBUG).`,
      });
    }
    if (machine.status === NODE_STATUS.DEPLOYED && (!needVerdict || verdict !== undefined)) {
      return { machine, events: seen, firstBootSteps: verdict, elapsedMs: Date.now() - started };
    }
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) {
      const waitingFor = machine.status === NODE_STATUS.DEPLOYED ? 'the first boot\'s verdict' : 'Deployed';
      throw new MaasTimeoutError(
        `${machine.hostname} (${id}) is still "${machine.status_name}" after ${Math.round(timeoutMs / 1000)} s, waiting for ${waitingFor}${lastStep ? `; last first-boot step: ${lastStep}` : ''}.`,
        { code: 'DEPLOY_TIMEOUT', hint: 'Check the machine\'s console and event log; rerun with a longer --timeout to keep watching.' },
      );
    }
    try {
      await sleep(Math.min(interval, left), undefined, { signal });
    } catch (cause) {
      throw new MaasAbortError('Cancelled while following the deployment (the deployment itself goes on).', { code: 'ABORTED', cause });
    }
  }
}

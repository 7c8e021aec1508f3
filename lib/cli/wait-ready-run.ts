import type { MaasClient } from '../client/maas-client.js';
import type { ReadyResult, ReadyTarget } from '../resources/boot-ready.js';
import type { Architecture } from '../resources/types.js';
import type { RunContext } from './command.js';
import { formatDuration } from './format.js';

export interface WaitReadyTarget {
  name: string;
  architecture: string;
  timeoutMs: number;
  /** Between polls (`--poll`); default the SDK's 5 s. */
  pollMs?: number | undefined;
}

/** One progress line per rack or region and state change; JSON lines on stderr with --json. */
function readyLine(t: ReadyTarget): string {
  return `${t.kind} ${t.hostname} (${t.system_id}): ${t.state} — ${t.detail}`;
}

/** Wait until MAAS can deploy the image everywhere, showing each rack or region as it changes. */
export async function runWaitReady(ctx: RunContext, client: MaasClient, target: WaitReadyTarget, site?: string): Promise<ReadyResult> {
  const prefix = site ? `[${site}] ` : '';
  ctx.out.info(`${prefix}Waiting until ${target.name} (${target.architecture}) can be deployed everywhere (up to ${formatDuration(target.timeoutMs / 1000)})…`);
  const result = await client.bootResources.waitReady({
    name: target.name,
    // Checked by MAAS's own listing: an unknown architecture is MaasNotFoundError.
    architecture: target.architecture as Architecture,
    timeoutMs: target.timeoutMs,
    signal: ctx.signal,
    intervalMs: target.pollMs,
    onProgress: (t) => (ctx.flags.json ? ctx.out.event({ event: 'ready', site, ...t }) : ctx.out.info(`${prefix}${readyLine(t)}`)),
  }).done();
  const skipped = result.skipped.length ? `; skipped (disconnected): ${result.skipped.map((s) => s.hostname).join(', ')}` : '';
  ctx.out.info(`${prefix}${target.name} is ready on ${result.ready.length} ${result.era === '3.4' ? 'rack controller' : 'region controller'}${result.ready.length === 1 ? '' : 's'}${skipped}.`);
  return result;
}

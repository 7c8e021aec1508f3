import type { MaasEvent } from './events.js';

/**
 * Our first boot's event contract (docs/esxi-first-boot.md, packer/vmware-esxi/README.md): before
 * each step a `start` event `maas-esxi/<step>` described `maas-esxi <step>: <what it does>`; a
 * failing step's `finish` carries FAIL, described `maas-esxi <step> failed: <cause>`
 * (packer/vmware-esxi/payload/maas_esxi/step_events.py); at the end a `start` event
 * `maas-esxi/firstboot` whose description is the verdict. MAAS's status handler logs only start
 * events and failures, and prefixes the origin: `'maas-esxi' <description>`
 * (`src/metadataserver/api.py add_event_to_node_event_log`).
 */
export const FIRST_BOOT_ORIGIN = 'maas-esxi';

export type FirstBootReport =
  | { kind: 'step'; step: string; what: string }
  | { kind: 'verdict'; ok: true; steps: number }
  | { kind: 'verdict'; ok: false; step: string; cause: string }
  /** A FAIL event of ours (`maas-esxi <step> failed: <cause>`); `step` when the text names it. */
  | { kind: 'failure'; step?: string | undefined; cause: string };

const PREFIX = `'${FIRST_BOOT_ORIGIN}' `;
const SUCCESS = /^maas-esxi first boot finished: SUCCESS \((\d+) steps?\)/;
const FAILED = /^maas-esxi first boot finished: FAILED at ([^:]+): (.*)$/s;
const STEP = /^maas-esxi ([A-Za-z0-9_.-]+): (.*)$/s;
const STEP_FAILED = /^maas-esxi ([A-Za-z0-9_.-]+) failed: (.*)$/s;

/** What one MAAS event says about our first boot, or undefined when it is not one of ours. */
export function parseFirstBootEvent(event: Pick<MaasEvent, 'description' | 'level'>): FirstBootReport | undefined {
  if (!event.description.startsWith(PREFIX)) return undefined;
  const text = event.description.slice(PREFIX.length);
  const ok = SUCCESS.exec(text);
  if (ok) return { kind: 'verdict', ok: true, steps: Number(ok[1]) };
  const failed = FAILED.exec(text);
  if (failed) return { kind: 'verdict', ok: false, step: failed[1]!.trim(), cause: failed[2]!.trim() };
  if (event.level === 'ERROR') {
    const named = STEP_FAILED.exec(text);
    return named ? { kind: 'failure', step: named[1]!, cause: named[2]!.trim() } : { kind: 'failure', cause: text };
  }
  const step = STEP.exec(text);
  if (step) return { kind: 'step', step: step[1]!, what: step[2]!.trim() };
  return undefined;
}

/**
 * Failure events: the status handler files a failed `finish` as "Node installation failure"
 * while Deploying and "Node post-installation failure" once Deployed, both at ERROR
 * (`add_event_to_node_event_log`; levels in `src/maascommon/events.py`).
 */
export function isFailureEvent(event: Pick<MaasEvent, 'level' | 'type'>): boolean {
  return event.level === 'ERROR' && /failure|failed/i.test(event.type);
}

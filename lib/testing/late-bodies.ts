import type { RequestRecord } from './types.js';

/** `…/boot-resources/{id}/` of an upload PUT or a resource read: what a late body and the reads that watch for it share. */
const RESOURCE = /^.*\/boot-resources\/\d+\//;

interface Held {
  /** The resource path the body belongs to (the request path itself outside boot resources). */
  key: string;
  readsLeft: number;
  record: RequestRecord;
  apply(): Promise<void>;
  dispose(): Promise<void>;
}

function keyOf(path: string): string {
  return RESOURCE.exec(path)?.[0] ?? path;
}

/**
 * Bodies the 'late' fault holds (docs/architecture.md#testing): each lands at a moment the
 * client's own requests define — just before MAAS answers the client's `atRead`-th read of the
 * resource after the body, or before the client's next write to it if that comes first — never
 * on a timer, so a schedule means the same whatever the CPU speed.
 */
export class LateBodies {
  #held: Held[] = [];
  readonly #landing = new Set<Promise<void>>();

  hold(path: string, atRead: number, record: RequestRecord, apply: () => Promise<void>, dispose: () => Promise<void>): void {
    this.#held.push({ key: keyOf(path), readsLeft: Math.max(1, Math.floor(atRead)), record, apply, dispose });
  }

  /** Called as request `index` arrives, before it is handled: lands the bodies due now. */
  async before(record: RequestRecord, index: number): Promise<void> {
    const key = keyOf(record.path);
    const read = record.method === 'GET' && key === record.path;
    const write = record.method !== 'GET' && record.method !== 'HEAD';
    const due = this.#held.filter((h) => h.key === key && (write || (read && --h.readsLeft === 0)));
    if (due.length === 0) return;
    this.#held = this.#held.filter((h) => !due.includes(h));
    for (const h of due) {
      h.record.landedBefore = index;
      await this.#land(h);
    }
  }

  /** Lands every body still held (regiond finishes its handlers), then waits for all of them. */
  async settled(): Promise<void> {
    const rest = this.#held;
    this.#held = [];
    for (const h of rest) await this.#land(h);
    while (this.#landing.size > 0) await Promise.allSettled([...this.#landing]);
  }

  /** The simulator is gone for good: held bodies never land. */
  async drop(): Promise<void> {
    const rest = this.#held;
    this.#held = [];
    await Promise.allSettled(rest.map((h) => h.dispose()));
  }

  async #land(h: Held): Promise<void> {
    const landing = h.apply().catch(() => undefined);
    this.#landing.add(landing);
    try {
      await landing;
    } finally {
      this.#landing.delete(landing);
    }
  }
}

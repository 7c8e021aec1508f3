import { setTimeout as sleep } from 'node:timers/promises';
import type { MaasApiClient } from '../http/api-client.js';
import { startOperation, type Operation } from '../client/operation.js';

/** One event as `events/?op=query` returns it (`event_to_dict`, `src/maasserver/api/events.py`). */
export interface MaasEvent {
  id: number;
  /** The node's system_id, or null. */
  node: string | null;
  hostname: string;
  username: string | null;
  level: EventLevel;
  /** `%a, %d %b. %Y %H:%M:%S`, e.g. "Thu, 03 Dec. 2026 15:49:02". */
  created: string;
  /** The event type's description, e.g. "Node installation failure". */
  type: string;
  description: string;
}

/** The page `events/?op=query` answers (EventsHandler.query). */
export interface EventsPage {
  count: number;
  /** Newest first — also when `after` is given (MAAS reverses the oldest-first slice). */
  events: MaasEvent[];
  next_uri: string;
  prev_uri: string | null;
}

export type EventLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'AUDIT';

export interface EventQuery {
  /** system_ids (`id`). */
  id?: string | readonly string[] | undefined;
  hostname?: string | readonly string[] | undefined;
  /** Minimum level; MAAS's default is INFO, which hides the installation events (DEBUG). */
  level?: EventLevel | undefined;
  /** Only events with a larger id (MAAS then returns the *oldest* `limit` of them). */
  after?: number | undefined;
  before?: number | undefined;
  /** 1–1000; MAAS's default is 100 (`DEFAULT_EVENT_LOG_LIMIT`, `MAX_EVENT_LOG_COUNT`). */
  limit?: number | undefined;
}

export interface FollowOptions extends Omit<EventQuery, 'before'> {
  /** Delay between polls when nothing new arrived. Default 2 s. */
  intervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** @deprecated Listen to the operation's `progress` events, or iterate it. */
  onProgress?: ((event: MaasEvent) => void) | undefined;
}

/** `events/?op=query` (EventsHandler.query, `src/maasserver/api/events.py`). */
export class Events {
  readonly #api: MaasApiClient;

  constructor(api: MaasApiClient) {
    this.#api = api;
  }

  query(q: EventQuery = {}, signal?: AbortSignal): Promise<EventsPage> {
    const list = (v: string | readonly string[] | undefined) => (typeof v === 'string' ? [v] : v);
    return this.#api.json('GET', 'events/', {
      query: { op: 'query', id: list(q.id), hostname: list(q.hostname), level: q.level, after: q.after, before: q.before, limit: q.limit },
      signal,
    });
  }

  /** The id of the newest event matching `q` (0 when there is none): the baseline for `follow`. */
  async latestId(q: Omit<EventQuery, 'after' | 'before' | 'limit'> = {}, signal?: AbortSignal): Promise<number> {
    const page = await this.query({ ...q, limit: 1 }, signal);
    return page.events[0]?.id ?? 0;
  }

  /**
   * Every event after `after`, oldest first. Pages with `after=` as MAAS's `next_uri` does, so a
   * burst larger than `limit` is read in full and nothing is skipped.
   */
  async since(q: Omit<EventQuery, 'before'>, signal?: AbortSignal): Promise<MaasEvent[]> {
    const limit = q.limit ?? 100;
    let after = q.after ?? 0;
    const out: MaasEvent[] = [];
    for (;;) {
      const page = await this.query({ ...q, after, limit }, signal);
      const fresh = [...page.events].sort((a, b) => a.id - b.id);
      out.push(...fresh);
      after = fresh.at(-1)?.id ?? after;
      if (fresh.length < limit) return out;
    }
  }

  /**
   * Every event after `after`, oldest first, then new ones as they arrive: a long operation
   * (lib/client/operation.ts) whose progress is each event. It runs until aborted (`abort()`,
   * `signal`, or leaving a `for await` loop over it); `done()` then rejects with MaasAbortError.
   */
  follow(opts: FollowOptions = {}): Operation<never, MaasEvent> {
    const { intervalMs = 2000, signal: _signal, onProgress: _onProgress, ...q } = opts;
    return startOperation<never, MaasEvent>('following events', opts, async ({ signal, progress }) => {
      let after = opts.after ?? 0;
      for (;;) {
        for (const event of await this.since({ ...q, after }, signal)) {
          after = event.id;
          progress(event);
        }
        await sleep(intervalMs, undefined, { signal });
      }
    });
  }
}

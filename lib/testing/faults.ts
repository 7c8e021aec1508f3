import type { FaultAction, FaultPlan, FaultRule } from './types.js';

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
}

/**
 * Injected network and proxy behaviour (docs/architecture.md#testing): each rule counts the requests it matches
 * and fires on the `nth` one (and following, up to `times`), on every `every`-th one, or from
 * the first one. The first rule that fires on a request decides its fate.
 */
export class SimFaultPlan implements FaultPlan {
  #rules: ActiveRule[] = [];
  #fired = 0;
  #throttle: number | null = null;
  #latency: number | null = null;

  add(rule: FaultRule): void {
    const { nth, every, times } = rule.match;
    for (const [name, v] of Object.entries({ nth, every, times })) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 1) && !(name === 'times' && v === Infinity)) {
        throw new RangeError(`fault rule: match.${name} must be a positive integer`);
      }
    }
    if (rule.action.type === 'cut' && !rule.action.apply && !(rule.action.afterBytes >= 0)) {
      throw new RangeError('fault rule: afterBytes must be ≥ 0');
    }
    this.#rules.push({ rule, seen: 0, fired: 0 });
  }

  clear(): void {
    this.#rules = [];
  }

  get fired(): number {
    return this.#fired;
  }

  unfired(): FaultRule[] {
    return this.#rules.filter((r) => r.fired === 0).map((r) => r.rule);
  }

  throttle(bytesPerSecond: number | null): void {
    this.#throttle = bytesPerSecond !== null && bytesPerSecond > 0 ? bytesPerSecond : null;
  }

  latency(ms: number | null): void {
    this.#latency = ms !== null && ms > 0 ? ms : null;
  }

  get bytesPerSecond(): number | null {
    return this.#throttle;
  }

  get latencyMs(): number | null {
    return this.#latency;
  }

  /** Count this request against every matching rule; return the action of the first that fires. */
  take(method: string, target: string): FaultAction | undefined {
    let chosen: FaultAction | undefined;
    for (const active of this.#rules) {
      const { match } = active.rule;
      if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) continue;
      if (match.path !== undefined) {
        match.path.lastIndex = 0;
        if (!match.path.test(target)) continue;
      }
      active.seen++;
      if (chosen) continue;
      const limit = match.times ?? (match.every !== undefined ? Infinity : 1);
      if (active.fired >= limit) continue;
      const due =
        match.every !== undefined
          ? active.seen % match.every === 0 && (match.nth === undefined || active.seen >= match.nth)
          : match.nth === undefined || active.seen >= match.nth;
      if (!due) continue;
      active.fired++;
      this.#fired++;
      chosen = active.rule.action;
    }
    return chosen;
  }
}

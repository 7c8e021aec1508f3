import type { EraFacts } from './eras.js';
import type { SimResponse } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';

/** The shape of an API handler, apart from the table of them (handler-table.ts) so handler files can use it without a cycle. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ActionDef {
  /** Python method name as `describe/` shows it (`import` for `import_resources`). */
  name: string;
  method: HttpMethod;
  /** null = the CRUD method itself (docs/maas-api.md#urls-and-dispatch). */
  op: string | null;
  doc: string;
  run(sim: SimContext, req: HandlerRequest): SimResponse | Promise<SimResponse>;
}

export interface HandlerDef {
  name: string;
  doc: string;
  /** Matched against the path after `/MAAS/api/2.0/`; captures are the URI params. */
  route: RegExp;
  path(era: EraFacts): string;
  params(era: EraFacts): string[];
  /** Served without authentication (docs/maas-api.md#authentication-errors). */
  anonymous?: boolean;
  /** `hidden = True` handlers are left out of `describe/` (docs/maas-api.md#describe). */
  hidden?(era: EraFacts): boolean;
  actions: ActionDef[];
}

import type { MaasApiClient } from '../http/api-client.js';
import { MaasConflictError, MaasNotFoundError, MachineStateError, MaasValidationError } from '../errors/index.js';

/**
 * A machine as `GET machines/{system_id}/` shows it: the fields this SDK reads, by MAAS's names
 * (`DISPLAYED_MACHINE_FIELDS`, `src/maasserver/api/machines.py`); every other field passes through.
 */
export interface Machine {
  system_id: string;
  hostname: string;
  fqdn?: string;
  /** `NODE_STATUS` number (`src/maascommon/enums/node.py`). */
  status: number;
  status_name: MachineStatusName;
  status_message?: string | null;
  osystem?: string;
  distro_series?: string;
  owner?: string | null;
  architecture?: string;
  power_state?: string;
  resource_uri?: string;
  [field: string]: unknown;
}

/** MAAS's status names (`src/maascommon/enums/node.py NODE_STATUS_LABELS`). */
export type MachineStatusName =
  | 'New'
  | 'Commissioning'
  | 'Failed commissioning'
  | 'Missing'
  | 'Ready'
  | 'Reserved'
  | 'Allocated'
  | 'Deploying'
  | 'Deployed'
  | 'Retired'
  | 'Broken'
  | 'Failed deployment'
  | 'Releasing'
  | 'Releasing failed'
  | 'Disk erasing'
  | 'Failed disk erasing'
  | 'Rescue mode'
  | 'Entering rescue mode'
  | 'Failed to enter rescue mode'
  | 'Exiting rescue mode'
  | 'Failed to exit rescue mode'
  | 'Testing'
  | 'Failed testing';

/** MAAS's `NODE_STATUS` values this SDK branches on (`src/maascommon/enums/node.py NodeStatus`). */
export const NODE_STATUS = {
  READY: 4,
  DEPLOYED: 6,
  DEPLOYING: 9,
  ALLOCATED: 10,
  FAILED_DEPLOYMENT: 11,
} as const;

export interface DeployParams {
  /** `distro_series`: for a custom image the resource name alone, e.g. `esxi/8.0` (MachineHandler.deploy). */
  distroSeries: string;
  /** Raw user-data; sent base64-encoded, as MAAS expects (`user_data` of MachineHandler.deploy). */
  userData?: Buffer | string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * `machines/` and `machines/{system_id}/` (`src/maasserver/api/machines.py`). State conflicts
 * (MAAS's `NodeStateViolation`, 409) become a MachineStateError naming the machine's state, and
 * are never retried: allocate and deploy are not idempotent.
 */
export class Machines {
  readonly #api: MaasApiClient;

  constructor(api: MaasApiClient) {
    this.#api = api;
  }

  /** `GET machines/{system_id}/`. */
  read(systemId: string, signal?: AbortSignal): Promise<Machine> {
    return this.#api.json('GET', `machines/${encodeURIComponent(systemId)}/`, { signal });
  }

  /** `GET machines/[?hostname=…]` (MachinesHandler.read filters by `hostname`). */
  list(filter: { hostname?: string | undefined } = {}, signal?: AbortSignal): Promise<Machine[]> {
    return this.#api.json('GET', 'machines/', { query: { hostname: filter.hostname }, signal });
  }

  /**
   * A machine by system_id or hostname (a short name or an FQDN). A system_id is tried first,
   * as MAAS ids never contain a dot; then the hostname filter (which MAAS matches on the short name).
   */
  async find(machine: string, signal?: AbortSignal): Promise<Machine> {
    if (!machine.includes('.')) {
      try {
        return await this.read(machine, signal);
      } catch (err) {
        if (!(err instanceof MaasNotFoundError)) throw err;
      }
    }
    const short = machine.split('.')[0]!;
    const found = (await this.list({ hostname: short }, signal)).filter((m) => m.hostname === short && (!machine.includes('.') || m.fqdn === undefined || m.fqdn === machine));
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      throw new MaasValidationError(`More than one machine is called ${machine}: ${found.map((m) => m.system_id).join(', ')}.`, {
        hint: 'Name the machine by its system_id.',
      });
    }
    throw new MaasNotFoundError(`No machine has the system_id or hostname ${machine}.`, {
      hint: 'Check the name with `maas PROFILE machines read`; a hostname matches the short name or the FQDN.',
    });
  }

  /** `POST machines/?op=allocate system_id=…` (MachinesHandler.allocate). */
  allocate(systemId: string, signal?: AbortSignal): Promise<Machine> {
    return this.#stateful(systemId, () =>
      this.#api.json<Machine>('POST', 'machines/', { query: { op: 'allocate' }, form: { system_id: systemId }, signal }),
    );
  }

  /**
   * `POST machines/{system_id}/?op=deploy` (MachineHandler.deploy): a Ready machine is acquired
   * on the way; Allocated deploys; any other state is MAAS's 409 "Can't deploy a machine that
   * is in the '<state>' state".
   */
  deploy(systemId: string, params: DeployParams): Promise<Machine> {
    const userData = params.userData === undefined ? undefined : Buffer.from(params.userData).toString('base64');
    return this.#stateful(systemId, () =>
      this.#api.json<Machine>('POST', `machines/${encodeURIComponent(systemId)}/`, {
        query: { op: 'deploy' },
        form: { distro_series: params.distroSeries, user_data: userData },
        signal: params.signal,
      }),
    );
  }

  /** `POST machines/{system_id}/?op=release` (MachineHandler.release). */
  release(systemId: string, opts: { comment?: string | undefined; signal?: AbortSignal | undefined } = {}): Promise<Machine> {
    return this.#stateful(systemId, () =>
      this.#api.json<Machine>('POST', `machines/${encodeURIComponent(systemId)}/`, {
        query: { op: 'release' },
        form: { comment: opts.comment },
        signal: opts.signal,
      }),
    );
  }

  async #stateful(systemId: string, call: () => Promise<Machine>): Promise<Machine> {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof MaasConflictError)) throw err;
      const text = err.body?.trim() || err.message;
      const state = /'([^']+)' state/.exec(text)?.[1] ?? /state \('([^']+)'\)/.exec(text)?.[1];
      throw new MachineStateError(`MAAS refused: ${text} (machine ${systemId}).`, {
        method: err.method,
        url: err.url,
        status: err.status,
        body: err.body,
        state,
        code: 'MACHINE_STATE',
        ...(state === 'Deployed' || state === 'Failed deployment'
          ? { hint: `Release it first (machines.release('${systemId}')), then deploy again.`, fix: { option: 'release', value: systemId } }
          : { hint: 'Wait until the machine is Ready (or Allocated to you), or pick another machine.', fix: { option: 'machine' } }),
      });
    }
  }
}

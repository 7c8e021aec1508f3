import { MaasApiClient, type ApiClientOptions } from '../http/api-client.js';
import { resolveConnection, normaliseApiUrl } from '../profiles/index.js';
import { BootResources } from '../resources/boot-resources.js';
import { describe, readVersion, whoami } from '../resources/server.js';
import { waitReady, type ReadyResult, type ReadyTarget, type WaitReadyOptions } from '../resources/boot-ready.js';
import { deployAndVerify, type DeployOptions, type DeployProgress, type DeployResult } from '../resources/deployment.js';
import { startOperation, type Operation } from './operation.js';
import { Events } from '../resources/events.js';
import { Machines } from '../resources/machines.js';
import type { Architecture, MaasDescription, MaasEra, MaasUser, MaasVersionInfo } from '../resources/types.js';
import { BootResourceUpload } from '../upload/uploader.js';
import type { UploadOptions, UploadPlan } from '../upload/types.js';
import { stat } from 'node:fs/promises';
import { MaasConfigError, UploadConflictError } from '../errors/index.js';
import { assertMaasUrl } from './maas-url.js';
import { defaultTitle } from '../resources/esxi-title.js';
import type { UploadStateStorage } from '../upload/locate.js';
import { findFileBySha256 } from '../upload/server-offset.js';
import { defaultStateDir } from '../upload/state-dir.js';
import { UploadStateStore, type UploadState } from '../upload/state-store.js';

/**
 * Without a title MAAS shows an empty release name (docs/maas-upload-protocol.md#fields): an
 * `esxi/<release>` upload gets the title MAAS's ESXi driver would give it.
 */
function withDefaultTitle(opts: UploadOptions): UploadOptions {
  return opts.title ? opts : { ...opts, title: defaultTitle(opts.name) };
}

function storeOf(opts: { stateDir?: string | undefined; store?: UploadStateStorage | undefined }): UploadStateStorage {
  return opts.store ?? new UploadStateStore(opts.stateDir ?? defaultStateDir());
}

async function findPending(store: UploadStateStorage, id: string): Promise<UploadState> {
  const matches = (await store.list()).filter((s) => id !== '' && s.id.startsWith(id));
  if (matches.length !== 1) {
    throw new MaasConfigError(matches.length === 0 ? `No saved upload '${id}'.` : `'${id}' matches ${matches.length} uploads.`, {
      code: 'USAGE',
      hint: 'List them with bootResources.pendingUploads().',
      fix: { option: 'id' },
    });
  }
  return matches[0]!;
}

/**
 * A chunk size the compiler can vet: a literal 0 or a negative literal is refused (MAAS needs at
 * least one byte per PUT); other numbers are checked at run time (lib/upload/checks.ts).
 */
export type ChunkSize<N extends number> = N extends 0 ? never : `${N}` extends `-${string}` ? never : N;

export interface ConnectOptions extends Omit<ApiClientOptions, 'apiUrl' | 'apiKey'> {
  /** MAAS URL in any form `maas login` accepts (http://host:5240/MAAS/ …). */
  url: string;
  /** `consumer:token:secret`; omit or null for anonymous access. */
  apiKey?: string | null | undefined;
  /** Profile name, recorded in upload state so `uploads resume` reconnects the same way. */
  profile?: string | undefined;
}

export interface ProfileConnectOptions extends Omit<ConnectOptions, 'url' | 'apiKey' | 'profile' | 'ca' | 'insecure'> {
  /** Overrides, as the CLI flags: flag > env > profile. */
  flags?: { url?: string; apiKey?: string; cacerts?: string; insecure?: boolean } | undefined;
  home?: string | undefined;
  dbPath?: string | undefined;
}

/** Boot resources, plus the resumable upload built on them (docs/architecture.md#where-each-concern-lives). */
export class BootResourcesClient extends BootResources {
  readonly #profile: string | undefined;

  constructor(api: MaasApiClient, profile: string | undefined) {
    super(api);
    this.#profile = profile;
  }

  /** Start a resumable upload; await `.done()` for the complete resource. */
  upload<N extends number = number>(opts: UploadOptions & { chunkSize?: ChunkSize<N> | undefined }): BootResourceUpload {
    return new BootResourceUpload({ api: this.api, resources: this }, { profile: this.#profile, ...withDefaultTitle(opts) });
  }

  /** Unfinished uploads saved under `stateDir` (default `$XDG_STATE_HOME/maas-esxi`), oldest first. */
  pendingUploads(opts: { stateDir?: string | undefined; store?: UploadStateStorage | undefined } = {}): Promise<UploadState[]> {
    return storeOf(opts).list();
  }

  /**
   * Resume a saved upload by id (a unique prefix is enough). Like `upload()`, returns the handle
   * at once; an unknown id or a changed file rejects `done()`. The saved sha256 is trusted only
   * for the very same file: a rebuilt image at the same path is refused.
   */
  resume(id: string, opts: Partial<UploadOptions> & { store?: UploadStateStorage | undefined } = {}): BootResourceUpload {
    const { store, ...rest } = opts;
    const resolve = async (): Promise<UploadOptions> => {
      const state = await findPending(storeOf(opts), id);
      if (state.fingerprint.apiUrl !== this.api.apiUrl) {
        throw new MaasConfigError(`Upload ${state.id} went to ${state.fingerprint.apiUrl}, not to this client's MAAS.`, { code: 'USAGE', hint: 'Resume it with a client of that MAAS.' });
      }
      const st = await stat(state.fingerprint.path).catch(() => undefined);
      if (!st || st.size !== state.fingerprint.size || st.mtimeMs !== state.fingerprint.mtimeMs || st.ino !== state.fingerprint.ino) {
        throw new UploadConflictError(`${state.fingerprint.path} is missing or has changed since upload ${state.id} started.`, {
          code: 'FILE_CHANGED',
          hint: `Upload the current file with bootResources.upload, and drop the old state with bootResources.forget('${state.id}').`,
          fix: { option: 'path' },
        });
      }
      // The saved state was written from a checked upload (lib/upload/checks.ts).
      return { ...state.params, architecture: state.params.architecture as Architecture, path: state.fingerprint.path, sha256: state.sha256, chunkSize: state.chunkSize, profile: this.#profile, ...rest };
    };
    return new BootResourceUpload({ api: this.api, resources: this, store }, { signal: opts.signal, resolve });
  }

  /**
   * Drop a saved upload. With `deleteRemote`, also delete its unfinished boot resource — only
   * while that resource still holds this upload's unfinished file (the id may since hold a newer
   * image). Returns the forgotten state and whether the resource was deleted.
   */
  async forget(id: string, opts: { stateDir?: string | undefined; store?: UploadStateStorage | undefined; deleteRemote?: boolean | undefined; signal?: AbortSignal | undefined } = {}): Promise<{ state: UploadState; deletedResource: boolean }> {
    const store = storeOf(opts);
    const state = await findPending(store, id);
    let deletedResource = false;
    if (opts.deleteRemote) {
      if (state.fingerprint.apiUrl !== this.api.apiUrl) {
        throw new MaasConfigError(`Upload ${state.id} went to ${state.fingerprint.apiUrl}, not to this client's MAAS.`, { code: 'USAGE', hint: 'Use the profile of that MAAS, or forget it without deleting the resource.' });
      }
      const resource = await this.read(state.resourceId, opts.signal).catch(() => undefined);
      const mine = resource && findFileBySha256(resource, state.sha256);
      if (mine && !mine.file.complete) {
        await this.delete(state.resourceId, opts.signal);
        deletedResource = true;
      }
    }
    await store.remove(state.id);
    return { state, deletedResource };
  }

  /**
   * Wait until MAAS can deploy the image from every rack (≤3.4) or region (3.5+). A long
   * operation (lib/client/operation.ts): one `progress` event per rack or region and change.
   */
  waitReady(opts: WaitReadyOptions): Operation<ReadyResult, ReadyTarget> {
    return startOperation('waiting for the image to be ready', opts, ({ signal, progress }) => waitReady(this.api, { ...opts, signal, onProgress: progress }));
  }

  /** What `upload` would do, without writing anything to MAAS (`--dry-run`). */
  planUpload(opts: UploadOptions): Promise<UploadPlan> {
    return BootResourceUpload.plan({ api: this.api, resources: this }, withDefaultTitle(opts));
  }
}

/** The SDK's entry point: one keep-alive connection, signed requests, typed resources. */
export class MaasClient {
  readonly api: MaasApiClient;
  readonly bootResources: BootResourcesClient;
  readonly machines: Machines;
  readonly events: Events;
  readonly profile: string | undefined;

  constructor(api: MaasApiClient, profile?: string) {
    this.api = api;
    this.profile = profile;
    this.bootResources = new BootResourcesClient(api, profile);
    this.machines = new Machines(api);
    this.events = new Events(api);
  }

  /**
   * Deploy a machine and follow it to a verified end: MAAS's Deployed and, for an ESXi image, our
   * first boot's SUCCESS verdict. A long operation (lib/client/operation.ts) whose progress is
   * each status change and event. `machines.deploy` only sends the deploy request.
   */
  deploy(opts: DeployOptions): Operation<DeployResult, DeployProgress> {
    return startOperation('following the deployment', opts, ({ signal, progress }) =>
      deployAndVerify(this.machines, this.events, { ...opts, signal, onProgress: progress }),
    );
  }

  /** Throws MaasConfigError at once for a URL that is not http(s)://HOST… (nothing is sent). */
  static connect(opts: ConnectOptions): MaasClient {
    const { url, apiKey, profile, ...rest } = opts;
    assertMaasUrl(url, 'the url option');
    return new MaasClient(new MaasApiClient({ ...rest, apiUrl: normaliseApiUrl(url), apiKey: apiKey ?? null }), profile);
  }

  /**
   * Connect with a profile of the official `~/.maascli.db` (or `MAAS_API_URL`/`MAAS_API_KEY`
   * when `name` is omitted or 'env'), with flag > env > profile precedence.
   */
  static async fromProfile(name?: string, opts: ProfileConnectOptions = {}): Promise<MaasClient> {
    const { flags, home, dbPath, env, ...rest } = opts;
    const settings = resolveConnection({ profile: name, flags, env, home, dbPath });
    return MaasClient.connect({
      ...rest,
      env,
      url: settings.url,
      apiKey: settings.apiKey,
      ca: settings.ca,
      insecure: settings.insecure,
      profile: settings.profileName,
    });
  }

  version(signal?: AbortSignal): Promise<MaasVersionInfo & { era: MaasEra }> {
    return readVersion(this.api, signal);
  }

  whoami(signal?: AbortSignal): Promise<MaasUser> {
    return whoami(this.api, signal);
  }

  describe(signal?: AbortSignal): Promise<MaasDescription> {
    return describe(this.api, signal);
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

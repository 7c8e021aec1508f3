import { MaasApiClient, type ApiClientOptions } from '../http/api-client.js';
import { resolveConnection, normaliseApiUrl } from '../profiles/index.js';
import { BootResources } from '../resources/boot-resources.js';
import { describe, readVersion, whoami } from '../resources/server.js';
import { waitReady, type ReadyResult, type WaitReadyOptions } from '../resources/boot-ready.js';
import { deployAndVerify, type DeployOptions, type DeployResult } from '../resources/deployment.js';
import { Events } from '../resources/events.js';
import { Machines } from '../resources/machines.js';
import type { MaasEra, MaasUser, MaasVersionInfo } from '../resources/types.js';
import { BootResourceUpload } from '../upload/uploader.js';
import type { UploadOptions, UploadPlan } from '../upload/types.js';

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
  upload(opts: UploadOptions): BootResourceUpload {
    return new BootResourceUpload({ api: this.api, resources: this }, { profile: this.#profile, ...opts });
  }

  /** Wait until MAAS can deploy the image from every rack (≤3.4) or region (3.5+). */
  waitReady(opts: WaitReadyOptions): Promise<ReadyResult> {
    return waitReady(this.api, opts);
  }

  /** What `upload` would do, without writing anything to MAAS (`--dry-run`). */
  planUpload(opts: UploadOptions): Promise<UploadPlan> {
    return BootResourceUpload.plan({ api: this.api, resources: this }, opts);
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

  /** Deploy a machine and follow it to a verified end (Deployed, and our first boot's verdict). */
  deploy(opts: DeployOptions): Promise<DeployResult> {
    return deployAndVerify(this.machines, this.events, opts);
  }

  static connect(opts: ConnectOptions): MaasClient {
    const { url, apiKey, profile, ...rest } = opts;
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

  describe(signal?: AbortSignal): Promise<unknown> {
    return describe(this.api, signal);
  }

  close(): Promise<void> {
    return this.api.close();
  }
}

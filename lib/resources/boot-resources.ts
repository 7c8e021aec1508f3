import type { MaasApiClient } from '../http/api-client.js';
import type { BootResource, BootResourceSummary, CreateBootResourceParams } from './types.js';

export interface UploadChunkOptions {
  /** The file's `upload_uri` (absolute path) or a full URL. */
  uploadUri: string;
  /** A chunk's slices, read one at a time as the connection takes them (lib/upload/chunk-source.ts), or bytes in memory. */
  body: AsyncIterable<Uint8Array> | Buffer;
  /** Exact byte count of `body`; MAAS answers `Missing data.` without it (docs/maas-upload-protocol.md#checks-in-order). */
  length: number;
  signal?: AbortSignal | undefined;
  /** Per-request headers timeout; long for the final chunk, which hashes the file (docs/maas-upload-protocol.md#the-final-chunk). */
  headersTimeoutMs?: number | undefined;
}

/** `boot-resources/` and `boot-resource/{id}/` (docs/maas-api.md#urls-and-dispatch, docs/maas-upload-protocol.md#creating-the-resource, #sending-chunks, docs/maas-api.md#boot-resources). */
export class BootResources {
  constructor(protected readonly api: MaasApiClient) {}

  /** `GET boot-resources/[?type=synced|uploaded]` — summaries without sets. */
  list(type?: 'all' | 'synced' | 'uploaded', signal?: AbortSignal): Promise<BootResourceSummary[]> {
    return this.api.json('GET', 'boot-resources/', { query: { type }, signal });
  }

  /** `GET boot-resources/{id}/` — with sets, newest first. `retries` overrides the client's budget. */
  read(id: number, signal?: AbortSignal, retries?: number): Promise<BootResource> {
    return this.api.json('GET', `boot-resources/${id}/`, { signal, retries });
  }

  /**
   * `POST boot-resources/` with sha256 and size but no content (docs/maas-upload-protocol.md#creating-the-resource).
   * Never retried automatically: every create adds a set (docs/maas-upload-protocol.md#same-name-and-architecture-twice).
   */
  create(params: CreateBootResourceParams, signal?: AbortSignal): Promise<BootResource> {
    const { keep_old, ...rest } = params;
    return this.api.json('POST', 'boot-resources/', {
      form: { ...rest, keep_old: keep_old === undefined ? undefined : String(keep_old) },
      signal,
    });
  }

  /** `DELETE boot-resources/{id}/` (204). Unknown ids answer 500 on MAAS (docs/maas-api.md#boot-resources). */
  async delete(id: number, signal?: AbortSignal): Promise<void> {
    await this.api.request('DELETE', `boot-resources/${id}/`, { signal, idempotent: true });
  }

  async import(signal?: AbortSignal): Promise<string> {
    return (await this.api.request('POST', 'boot-resources/', { query: { op: 'import' }, signal, idempotent: true })).text;
  }

  async stopImport(signal?: AbortSignal): Promise<string> {
    return (await this.api.request('POST', 'boot-resources/', { query: { op: 'stop_import' }, signal, idempotent: true })).text;
  }

  isImporting(signal?: AbortSignal): Promise<boolean> {
    return this.api.json('GET', 'boot-resources/', { query: { op: 'is_importing' }, signal });
  }

  /**
   * One chunk PUT. MAAS appends the body blindly (docs/maas-upload-protocol.md#request, #append-only-writes), so this is never retried here:
   * the uploader decides what to send after re-reading the server's offset.
   */
  async uploadChunk(opts: UploadChunkOptions): Promise<void> {
    await this.api.request('PUT', opts.uploadUri, {
      body: opts.body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(opts.length) },
      signal: opts.signal,
      headersTimeoutMs: opts.headersTimeoutMs,
      idempotent: false,
    });
  }
}

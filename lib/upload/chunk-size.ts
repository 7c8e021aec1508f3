import { MAX_CHUNK_SIZE } from './checks.js';

/** MAAS refuses an OAuth timestamp older than 300 s, checked after the body was read (piston's OAuthServer). */
export const SIGNATURE_WINDOW_S = 300;
/** A chunk should cross in a third of that window, leaving room for a slower patch of link. */
export const CHUNK_CROSSING_S = SIGNATURE_WINDOW_S / 3;
const CHUNK_CROSSING_MS = CHUNK_CROSSING_S * 1000;
/** The smallest chunk we send (and the granularity of chunk sizes). */
export const MIN_CHUNK = 64 * 1024;

/**
 * The chunk length for a link of `bytesPerSecond` (the rate limit or the measured rate, whichever
 * is lower; undefined when unknown): the configured size, shrunk so that the chunk crosses in
 * `crossingMs` (a third of the signature window), never below 64 KiB nor above 10 MiB.
 */
export function chunkSizeFor(configured: number, bytesPerSecond: number | undefined, crossingMs: number = CHUNK_CROSSING_MS): number {
  const cap = Math.min(configured, MAX_CHUNK_SIZE);
  if (bytesPerSecond === undefined || !(bytesPerSecond > 0)) return cap;
  const fit = Math.floor((bytesPerSecond * crossingMs) / 1000 / MIN_CHUNK) * MIN_CHUNK;
  return Math.max(Math.min(MIN_CHUNK, cap), Math.min(cap, fit));
}

/** Estimate of the link's rate (the slower of the rate limit and the last measured crossing) and of how long a chunk may take to cross. */
export class LinkEstimate {
  #measured: number | undefined;
  /** Narrowed when MAAS refuses a chunk as signed too long ago (lib/upload/retry-decision.ts). */
  crossingMs = CHUNK_CROSSING_MS;
  constructor(readonly limit: number | undefined) {}

  /** The length of the next chunk for a configured size. */
  chunkSize(configured: number): number {
    return chunkSizeFor(configured, this.bytesPerSecond, this.crossingMs);
  }

  /** A chunk of `bytes` took `ms` from the first byte to MAAS's answer. */
  record(bytes: number, ms: number): void {
    if (bytes <= 0 || ms <= 0) return;
    this.#measured = (bytes * 1000) / ms;
  }

  get bytesPerSecond(): number | undefined {
    const m = this.#measured;
    if (m === undefined) return this.limit;
    return this.limit === undefined ? m : Math.min(m, this.limit);
  }
}

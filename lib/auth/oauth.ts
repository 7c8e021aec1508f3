import { randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { MaasCredentials } from './api-key.js';

/**
 * Builds the `Authorization` header MAAS expects: OAuth 1.0a PLAINTEXT, empty consumer secret,
 * URL-only signature, a fresh nonce and timestamp on every call (docs/maas-api.md#signing-each-request: nonces
 * are single-use and timestamps older than 300 s are rejected, so a header must never be reused,
 * not even for a re-sent chunk).
 */
export class OAuthSigner {
  readonly #oauth: OAuth;
  readonly #token: OAuth.Token;
  /** Seconds to add to the local clock, from the server's `Date` header (clock skew). */
  clockOffsetSeconds = 0;
  readonly #now: () => number;

  constructor(credentials: MaasCredentials, now: () => number = Date.now) {
    this.#now = now;
    this.#oauth = new OAuth({
      consumer: { key: credentials.consumerKey, secret: '' },
      signature_method: 'PLAINTEXT',
    });
    // oauth-1.0a draws nonces from Math.random; use the CSPRNG instead (32 hex digits).
    this.#oauth.getNonce = () => randomBytes(16).toString('hex');
    this.#oauth.getTimeStamp = () => Math.floor(this.#now() / 1000) + this.clockOffsetSeconds;
    this.#token = { key: credentials.tokenKey, secret: credentials.tokenSecret };
  }

  /** A new header value for one request. */
  authorization(method: string, url: string): string {
    const data = this.#oauth.authorize({ url, method }, this.#token);
    return this.#oauth.toHeader(data).Authorization;
  }
}

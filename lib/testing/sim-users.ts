import { randomInt } from 'node:crypto';
import type { SimUser } from './types.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** A fresh key shaped like piston's: consumer 18, token 18, secret 32, alphanumeric (docs/maas-api.md#signing-each-request). */
export function generateApiKey(): string {
  return `${alnum(18)}:${alnum(18)}:${alnum(32)}`;
}

export function defaultUsers(): SimUser[] {
  return [
    { username: 'admin', email: 'admin@example.com', isSuperuser: true, apiKey: generateApiKey() },
    { username: 'user', email: 'user@example.com', isSuperuser: false, apiKey: generateApiKey() },
  ];
}

interface KeyParts {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
}

export function splitKey(apiKey: string): KeyParts {
  const [consumerKey = '', tokenKey = '', tokenSecret = ''] = apiKey.split(':');
  return { consumerKey, tokenKey, tokenSecret };
}

import t from 'tap';
import { formatApiKey, parseApiKey } from '../../lib/auth/api-key.js';
import { OAuthSigner } from '../../lib/auth/oauth.js';
import { redactAuthorization, redactHeaders, scrubSecrets } from '../../lib/auth/redact.js';
import { MaasConfigError } from '../../lib/errors/index.js';

const KEY = 'CKEYCKEYCKEYCKEYCK:TKEYTKEYTKEYTKEYTK:TSECRETTSECRETTSECRETTSECRET1234';

function params(header: string): Record<string, string> {
  if (!header.startsWith('OAuth ')) throw new Error(`header does not start with "OAuth ": ${header}`);
  const out: Record<string, string> = {};
  for (const part of header.slice(6).split(', ')) {
    const m = /^([a-z_]+)="([^"]*)"$/.exec(part);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

t.test('parseApiKey splits consumer:token:secret (docs/maas-cli.md#credentials)', async (t) => {
  const c = parseApiKey(KEY);
  t.same(c, { consumerKey: 'CKEYCKEYCKEYCKEYCK', tokenKey: 'TKEYTKEYTKEYTKEYTK', tokenSecret: 'TSECRETTSECRETTSECRETTSECRET1234' });
  t.equal(formatApiKey(c), KEY);
  t.same(parseApiKey(`  ${KEY}\n`), c, 'surrounding whitespace (e.g. from stdin) is ignored');
});

t.test('malformed keys give the maas CLI message without echoing the key', async (t) => {
  for (const bad of ['a:b', 'a:b:c:d', 'nocolons', 'a::c']) {
    const err = t.throws(() => parseApiKey(bad)) as MaasConfigError;
    t.ok(err instanceof MaasConfigError);
    t.match(err.message, /^Malformed credentials string\. {2}Expected 3 colon-separated items, got \d+\.$/);
    t.notMatch(err.message + JSON.stringify(err), bad, 'the key is not echoed');
    t.ok(err.hint);
  }
});

t.test('PLAINTEXT header carries the six parameters MAAS requires (docs/maas-api.md#signing-each-request)', async (t) => {
  const signer = new OAuthSigner(parseApiKey(KEY), () => 1_795_631_750_000);
  const p = params(signer.authorization('GET', 'http://127.0.0.1:5240/MAAS/api/2.0/users/?op=whoami'));
  t.equal(p['oauth_consumer_key'], 'CKEYCKEYCKEYCKEYCK');
  t.equal(p['oauth_token'], 'TKEYTKEYTKEYTKEYTK');
  t.equal(p['oauth_signature_method'], 'PLAINTEXT');
  t.equal(p['oauth_signature'], '%26TSECRETTSECRETTSECRETTSECRET1234', 'signature = "&" + token secret, percent-encoded');
  t.equal(p['oauth_timestamp'], '1795631750');
  t.equal(p['oauth_version'], '1.0');
  t.match(p['oauth_nonce'], /^[0-9a-f]{32}$/);
});

t.test('every header is fresh: new nonce each call, timestamp follows the clock (docs/maas-api.md#the-300-s-window)', async (t) => {
  let now = 1_700_000_000_000;
  const signer = new OAuthSigner(parseApiKey(KEY), () => now);
  const a = params(signer.authorization('PUT', 'http://h/MAAS/api/2.0/boot-resources/1/upload/1/'));
  const b = params(signer.authorization('PUT', 'http://h/MAAS/api/2.0/boot-resources/1/upload/1/'));
  t.not(a['oauth_nonce'], b['oauth_nonce'], 'the same request signed twice gets two nonces');
  now += 301_000;
  const c = params(signer.authorization('PUT', 'http://h/MAAS/api/2.0/boot-resources/1/upload/1/'));
  t.equal(Number(c['oauth_timestamp']) - Number(a['oauth_timestamp']), 301);
  const nonces = new Set(Array.from({ length: 500 }, () => params(signer.authorization('GET', 'http://h/'))['oauth_nonce']));
  t.equal(nonces.size, 500, 'no nonce repeats');
});

t.test('clock offset from the server Date header shifts the timestamp', async (t) => {
  const signer = new OAuthSigner(parseApiKey(KEY), () => 1_700_000_000_000);
  signer.clockOffsetSeconds = 900;
  t.equal(params(signer.authorization('GET', 'http://h/'))['oauth_timestamp'], '1700000900');
});

t.test('redaction removes secrets but keeps the header readable', async (t) => {
  const header = new OAuthSigner(parseApiKey(KEY)).authorization('GET', 'http://h/');
  const red = redactAuthorization(header);
  t.notMatch(red, /TSECRET|TKEYTKEY|CKEYCKEY/);
  t.match(red, /oauth_signature="\[REDACTED\]"/);
  t.match(red, /oauth_signature_method="PLAINTEXT"/);
  const h = redactHeaders({ Authorization: header, 'content-length': '4' });
  t.notMatch(String(h['Authorization']), /TSECRET/);
  t.equal(h['content-length'], '4');
  t.equal(redactAuthorization('Bearer abc'), '[REDACTED]');
  t.equal(scrubSecrets(`key=${KEY} sig=%26TSECRETTSECRETTSECRETTSECRET1234`, [KEY, 'TSECRETTSECRETTSECRETTSECRET1234']), 'key=[REDACTED] sig=[REDACTED]');
});

// What classify.test.ts leaves open: the machine-readable fix behind each hint (the CLI turns it
// into the flag to change, so it must name the same option the hint names), Django's
// DoesNotExist-as-500 on DELETE (docs/maas-api.md#boot-resources), and the exact texts a user
// reads for server errors and transport failures. Expectations are written out by hand.
import t from 'tap';
import { MaasAbortError, MaasAuthError, MaasNetworkError, MaasNotFoundError, MaasServerError, MaasTimeoutError, MaasValidationError } from '../../lib/errors/index.js';
import { errorFromResponse, errorFromTransport } from '../../lib/http/classify.js';

const req = { method: 'GET', url: 'https://maas.example:5443/MAAS/api/2.0/boot-resources/4/' };
const del = { ...req, method: 'DELETE' };
const failed = (code: string, message = `failed ${code}`): Error => Object.assign(new Error(message), { code });

t.test('each hint comes with the fix a caller applies', async (t) => {
  const rows: Array<[string, { fix?: unknown; hint?: string | undefined }, unknown, RegExp]> = [
    ['401 bad key', errorFromResponse(req, 401, 'Authorization Error: Invalid consumer.', 'text/plain'), { option: 'apiKey' }, /API key/],
    ['401 clock', errorFromResponse(req, 401, 'Authorization Error: Expired timestamp: given 1 and now 400', 'text/plain'), undefined, /clock/],
    ['404 wrong URL', errorFromResponse(req, 404, 'Unknown API endpoint: /MAAS/api/2.0/x/.', 'text/plain'), { option: 'url' }, /the url option/],
    ['413', errorFromResponse(req, 413, '', 'text/html'), { option: 'chunkSize', value: 8 * 1024 * 1024 }, /chunkSize/],
    ['503', errorFromResponse(req, 503, '', 'text/html'), { rerun: true }, /retry later/],
    ['timeout', errorFromTransport(req, failed('UND_ERR_HEADERS_TIMEOUT')), { option: 'headersTimeoutMs' }, /headersTimeoutMs/],
    ['TLS', errorFromTransport(req, failed('CERT_HAS_EXPIRED')), { option: 'ca' }, /the ca option/],
    ['refused', errorFromTransport(req, failed('ECONNREFUSED')), { option: 'url' }, /check the MAAS URL/],
    ['unresolvable', errorFromTransport(req, failed('ENOTFOUND')), { option: 'url' }, /check the MAAS URL/],
    ['DNS again', errorFromTransport(req, failed('EAI_AGAIN')), { option: 'url' }, /check the MAAS URL/],
    ['reset', errorFromTransport(req, failed('ECONNRESET')), { rerun: true }, /retry/],
  ];
  for (const [what, e, fix, hint] of rows) {
    t.same(e.fix, fix, `${what}: fix`);
    t.match(e.hint ?? '', hint, `${what}: hint`);
  }
  t.equal(errorFromResponse(req, 404, 'No BootResource matches the given query.', 'text/plain').fix, undefined, 'a plain 404 has nothing to fix');
});

t.test("DELETE of an unknown id: Django's DoesNotExist as a 500 is a final not-found", async (t) => {
  const gone = errorFromResponse(del, 500, 'BootResource matching query does not exist.', 'text/plain');
  t.same([gone.constructor, gone.code, gone.message, gone.status], [MaasNotFoundError, 'NOT_FOUND', 'Not found: BootResource matching query does not exist.', 500]);
  t.equal(gone.fix, undefined, 'nothing to retry');
  for (const [r, status, body, what] of [
    [req, 500, 'BootResource matching query does not exist.', 'a GET: a server error'],
    [del, 503, 'BootResource matching query does not exist.', 'another status'],
    [del, 500, 'The BootResource matching query does not exist.', 'two words before it'],
    [del, 500, 'BootResource matching query does not exist. Traceback', 'more after it'],
    [del, 500, 'BootResource matching query does not exist', 'no full stop'],
  ] as const) {
    t.ok(errorFromResponse(r, status, body, 'text/plain') instanceof MaasServerError, what);
  }
});

t.test('server errors say the status once, and MAAS text when there is some', async (t) => {
  t.equal(errorFromResponse(req, 500, 'boom\ntraceback', 'text/plain').message, 'MAAS server error (HTTP 500): boom');
  t.equal(errorFromResponse(req, 502, '', 'text/plain').message, 'MAAS server error (HTTP 502).');
  t.equal(errorFromResponse(req, 504, '   ', 'text/plain').message, 'MAAS server error (HTTP 504).', 'blank is empty');
  t.equal(errorFromResponse(req, 413, 'x', 'text/plain').message, 'The request body is larger than the server accepts (HTTP 413 from the proxy in front of MAAS).');
  t.equal(errorFromResponse(req, 404, '', 'text/plain').message, 'Not found: HTTP 404');
  t.equal(errorFromResponse(req, 400, '<p>bad</p>', 'text/html').message, 'MAAS rejected the request: HTTP 400');
  t.ok(errorFromResponse(req, 500, 'x', 'text/plain') instanceof MaasServerError, '500 is the first server status');
  t.ok(errorFromResponse(req, 499, 'x', 'text/plain') instanceof MaasValidationError);
  t.equal(errorFromResponse(req, 401, '', 'text/plain').message, 'MAAS rejected the credentials: HTTP 401');
  t.ok(errorFromResponse(req, 401, 'Expired timestamp', 'text/plain') instanceof MaasAuthError);
});

t.test('400 field messages: a field with one message, and a JSON number is not fields', async (t) => {
  const one = errorFromResponse(req, 400, '{"name":["Required."]}', 'application/json') as MaasValidationError;
  t.equal(one.message, 'MAAS rejected the request: name: Required.');
  t.equal((errorFromResponse(req, 400, '7', 'application/json') as MaasValidationError).fields, undefined);
  t.equal((errorFromResponse(req, 400, '{"a":[]}', 'application/json') as MaasValidationError).message, 'MAAS rejected the request: a: ');
});

t.test('transport texts: the host only, the code when the message lacks it', async (t) => {
  const timeout = errorFromTransport(req, failed('ETIMEDOUT', 'connect ETIMEDOUT'));
  t.same([timeout.constructor, timeout.message, timeout.method, timeout.url], [MaasTimeoutError, 'Timed out talking to maas.example:5443 (ETIMEDOUT).', 'GET', req.url]);
  t.match(timeout.hint, /stalled/);
  const cert = errorFromTransport(req, new Error('Hostname/IP does not match Certificate'));
  t.same([cert.constructor, cert.code, cert.message], [MaasNetworkError, 'TLS', 'TLS certificate verification failed for maas.example:5443: Hostname/IP does not match Certificate']);
  const self = errorFromTransport(req, failed('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed chain'));
  t.equal(self.code, 'SELF_SIGNED_CERT_IN_CHAIN', 'the code is kept');
  const refused = errorFromTransport(req, failed('ECONNREFUSED', 'connect failed'));
  t.same([refused.message, refused.hint], ['Cannot reach maas.example:5443: connect failed (ECONNREFUSED)', 'Nothing listens at maas.example:5443: check the MAAS URL and that the region controller is running.']);
  t.equal(errorFromTransport(req, failed('ENOTFOUND')).hint, 'Cannot resolve maas.example:5443: check the MAAS URL.');
  const plain = errorFromTransport(req, failed('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'));
  t.same([plain.hint, plain.fix], ['maas.example:5443 closed the connection during the TLS handshake: if MAAS serves plain HTTP there (as on port 5240), use http:// in the MAAS URL; otherwise retry.', { rerun: true }], 'a TLS hang-up: the hint names http://; the fix is a rerun until the client knows MAAS never answered (api-client)');
  const cause = failed('EPIPE');
  t.equal(errorFromTransport(req, cause).cause, cause, 'the cause is kept');
  const ac = new AbortController();
  const reason = new Error('Ctrl-C');
  ac.abort(reason);
  const stop = errorFromTransport(req, failed('UND_ERR_HEADERS_TIMEOUT'), ac.signal);
  t.same([stop.constructor, stop.cause, stop.method, stop.url], [MaasAbortError, reason, 'GET', req.url], 'cancelled wins over a timeout');
});

// MAAS's answers and transport failures to typed errors: the class decides the exit code and
// whether the upload retries (docs/maas-api.md#authentication-errors, #error-statuses-and-texts).
import t from 'tap';
import { MaasAbortError, MaasAuthError, MaasConflictError, MaasError, MaasNetworkError, MaasNotFoundError, MaasPermissionError, MaasServerError, MaasTimeoutError, MaasValidationError } from '../../lib/errors/index.js';
import { errorFromResponse, errorFromTransport } from '../../lib/http/classify.js';

const req = { method: 'PUT', url: 'http://maas.example:5240/MAAS/api/2.0/boot-resources/1/upload/2/' };

t.test('each status maps to the error of its meaning, carrying the request and the body', async (t) => {
  const cases: Array<[number, string, new (...a: never[]) => MaasError]> = [
    [401, 'Authorization Error: Invalid access token: x', MaasAuthError],
    [403, 'You are not allowed', MaasPermissionError],
    [404, 'No BootResource matches the given query.', MaasNotFoundError],
    [409, 'Conflict', MaasConflictError],
    [413, '<html>413</html>', MaasValidationError],
    [500, 'boom', MaasServerError],
    [502, '<html>502</html>', MaasServerError],
    [503, 'Service Unavailable', MaasServerError],
    [400, 'Too much data received.', MaasValidationError],
  ];
  for (const [status, body, Class] of cases) {
    const e = errorFromResponse({ ...req, retryAfterMs: 2000 }, status, body, 'text/plain');
    t.ok(e instanceof Class, `${status} → ${Class.name} (got ${e.constructor.name})`);
    t.same([e.status, e.method, e.url, e.body, e.retryAfterMs], [status, req.method, req.url, body, 2000], `${status}: request, body and Retry-After kept`);
  }
});

t.test('messages quote the first line of MAAS text, never an HTML page', async (t) => {
  t.equal(errorFromResponse(req, 400, 'Too much data received.\nsecond line', 'text/plain').message, 'MAAS rejected the request: Too much data received.');
  t.equal(errorFromResponse(req, 500, '  <html>oops</html>', 'text/html').message, 'MAAS server error (HTTP 500).');
  t.equal(errorFromResponse(req, 403, '', 'text/plain').message, 'MAAS refused the operation: HTTP 403');
  t.equal(errorFromResponse(req, 409, 'x'.repeat(400), 'text/plain').message, `MAAS reported a conflict: ${'x'.repeat(300)}`, 'at most 300 characters');
  t.equal(errorFromResponse(req, 404, 'gone', 'text/plain').message, 'Not found: gone');
  t.equal(errorFromResponse(req, 401, 'bad key', 'text/plain').message, 'MAAS rejected the credentials: bad key');
});

t.test('401: an expired timestamp is told apart from a bad key', async (t) => {
  const expired = errorFromResponse(req, 401, 'Authorization Error: Expired timestamp: given 1, must be older than 2', 'text/plain');
  t.equal(expired.code, 'EXPIRED_TIMESTAMP');
  t.match(expired.hint, /clock/);
  const bad = errorFromResponse(req, 401, 'Authorization Error: Invalid consumer.', 'text/plain');
  t.equal(bad.code, 'UNAUTHORIZED');
  t.match(bad.hint, /API key/);
});

t.test('hints: a wrong MAAS URL, an oversized body, an administrator key, a busy region', async (t) => {
  t.match(errorFromResponse(req, 404, 'Unknown API endpoint: /MAAS/api/2.0/x/.', 'text/plain').hint, /end in \/MAAS\//);
  t.equal(errorFromResponse(req, 404, 'No BootResource matches the given query.', 'text/plain').hint, undefined);
  const big = errorFromResponse(req, 413, '<html/>', 'text/html');
  t.equal(big.code, 'BODY_TOO_LARGE');
  t.match(big.hint, /chunkSize/);
  t.match(errorFromResponse(req, 403, 'no', 'text/plain').hint, /administrator/);
  t.match(errorFromResponse(req, 503, 'busy', 'text/plain').hint, /retry later/);
  t.equal(errorFromResponse(req, 499, 'odd', 'text/plain').constructor, MaasValidationError, 'any other 4xx is a rejected request');
});

t.test("400 with JSON: MAAS's field messages, joined per field", async (t) => {
  const body = JSON.stringify({ name: ['This field is required.'], architecture: ['Bad.', 'Worse.'] });
  const e = errorFromResponse(req, 400, body, 'application/json; charset=utf-8') as MaasValidationError;
  t.equal(e.message, 'MAAS rejected the request: name: This field is required.; architecture: Bad. Worse.');
  t.same(e.fields, { name: ['This field is required.'], architecture: ['Bad.', 'Worse.'] });
  const text = errorFromResponse(req, 400, '{not json', 'application/json') as MaasValidationError;
  t.equal(text.fields, undefined, 'not JSON after all: the text');
  t.equal(text.message, 'MAAS rejected the request: {not json');
  t.equal((errorFromResponse(req, 400, '["a"]', 'application/json') as MaasValidationError).fields, undefined, 'an array is not field messages');
  t.equal((errorFromResponse(req, 400, 'null', 'application/json') as MaasValidationError).fields, undefined, 'null is not field messages');
  t.equal((errorFromResponse(req, 400, '{"a":["b"]}', 'text/plain') as MaasValidationError).fields, undefined, 'JSON only when MAAS says so');
  t.equal(errorFromResponse(req, 400, '{"a":"b"}', 'application/json').message, 'MAAS rejected the request: a: b', 'a bare string message');
});

t.test('transport failures: timeout, TLS, refused, unresolvable, anything else, cancelled', async (t) => {
  const err = (code: string, message = `failed ${code}`) => Object.assign(new Error(message), { code });
  for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']) {
    const e = errorFromTransport(req, err(code));
    t.ok(e instanceof MaasTimeoutError, code);
    t.equal(e.message, `Timed out talking to maas.example:5240 (${code}).`);
    t.equal(e.code, code);
  }
  for (const code of ['CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'HOSTNAME_MISMATCH']) {
    const e = errorFromTransport(req, err(code));
    t.ok(e instanceof MaasNetworkError && e.message.startsWith('TLS certificate verification failed for maas.example:5240'), code);
    t.match(e.hint, /the ca option/);
  }
  const byText = errorFromTransport(req, new Error('unable to get local issuer certificate'));
  t.same([byText.code, byText.message.startsWith('TLS')], ['TLS', true], 'a certificate problem without a code');
  t.notOk(errorFromTransport(req, err('XCERT_')).message.startsWith('TLS'), 'TLS codes are prefixes');
  const refused = errorFromTransport(req, err('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:5240'));
  t.equal(refused.message, 'Cannot reach maas.example:5240: connect ECONNREFUSED 10.0.0.1:5240', 'the code is not repeated');
  t.match(refused.hint, /Nothing listens/);
  t.match(errorFromTransport(req, err('ENOTFOUND')).hint, /Cannot resolve/);
  t.match(errorFromTransport(req, err('EAI_AGAIN')).hint, /Cannot resolve/);
  const reset = errorFromTransport(req, err('ECONNRESET', 'other side closed'));
  t.same([reset.message, reset.code], ['Cannot reach maas.example:5240: other side closed (ECONNRESET)', 'ECONNRESET']);
  t.match(reset.hint, /retry/);
  const plain = errorFromTransport({ ...req, url: 'not a url' }, 'weird');
  t.same([plain.message, plain.code], ['Cannot reach not a url: weird', 'NETWORK'], 'no code, no URL: said as it is');
  t.equal(errorFromTransport(req, null).code, 'NETWORK');
  const known = new MaasServerError('already typed');
  t.equal(errorFromTransport(req, known), known, 'a typed error passes through');
  const ac = new AbortController();
  ac.abort(new Error('Ctrl-C'));
  const cancelled = errorFromTransport(req, err('ECONNRESET'), ac.signal);
  t.ok(cancelled instanceof MaasAbortError);
  t.same([cancelled.code, cancelled.message], ['ABORTED', 'Cancelled.']);
  t.ok(errorFromTransport(req, err('ECONNRESET'), new AbortController().signal) instanceof MaasNetworkError, 'a signal not aborted changes nothing');
});

// Beyond the status table: the machine-readable fix behind each hint (the CLI turns it
// into the flag to change, so it must name the same option the hint names), Django's
// DoesNotExist-as-500 on DELETE (docs/maas-api.md#boot-resources), and the exact texts a user
// reads for server errors and transport failures. Expectations are written out by hand.
/** A read over HTTPS (the tests above use a PUT over http). */
const getReq = { method: 'GET', url: 'https://maas.example:5443/MAAS/api/2.0/boot-resources/4/' };
const del = { ...getReq, method: 'DELETE' };
const failed = (code: string, message = `failed ${code}`): Error => Object.assign(new Error(message), { code });

t.test('each hint comes with the fix a caller applies', async (t) => {
  const rows: Array<[string, { fix?: unknown; hint?: string | undefined }, unknown, RegExp]> = [
    ['401 bad key', errorFromResponse(getReq, 401, 'Authorization Error: Invalid consumer.', 'text/plain'), { option: 'apiKey' }, /API key/],
    ['401 clock', errorFromResponse(getReq, 401, 'Authorization Error: Expired timestamp: given 1 and now 400', 'text/plain'), undefined, /clock/],
    ['404 wrong URL', errorFromResponse(getReq, 404, 'Unknown API endpoint: /MAAS/api/2.0/x/.', 'text/plain'), { option: 'url' }, /the url option/],
    ['413', errorFromResponse(getReq, 413, '', 'text/html'), { option: 'chunkSize', value: 8 * 1024 * 1024 }, /chunkSize/],
    ['503', errorFromResponse(getReq, 503, '', 'text/html'), { rerun: true }, /retry later/],
    ['timeout', errorFromTransport(getReq, failed('UND_ERR_HEADERS_TIMEOUT')), { option: 'headersTimeoutMs' }, /headersTimeoutMs/],
    ['TLS', errorFromTransport(getReq, failed('CERT_HAS_EXPIRED')), { option: 'ca' }, /the ca option/],
    ['refused', errorFromTransport(getReq, failed('ECONNREFUSED')), { option: 'url' }, /check the MAAS URL/],
    ['unresolvable', errorFromTransport(getReq, failed('ENOTFOUND')), { option: 'url' }, /check the MAAS URL/],
    ['DNS again', errorFromTransport(getReq, failed('EAI_AGAIN')), { option: 'url' }, /check the MAAS URL/],
    ['reset', errorFromTransport(getReq, failed('ECONNRESET')), { rerun: true }, /retry/],
  ];
  for (const [what, e, fix, hint] of rows) {
    t.same(e.fix, fix, `${what}: fix`);
    t.match(e.hint ?? '', hint, `${what}: hint`);
  }
  t.equal(errorFromResponse(getReq, 404, 'No BootResource matches the given query.', 'text/plain').fix, undefined, 'a plain 404 has nothing to fix');
});

t.test("DELETE of an unknown id: Django's DoesNotExist as a 500 is a final not-found", async (t) => {
  const gone = errorFromResponse(del, 500, 'BootResource matching query does not exist.', 'text/plain');
  t.same([gone.constructor, gone.code, gone.message, gone.status], [MaasNotFoundError, 'NOT_FOUND', 'Not found: BootResource matching query does not exist.', 500]);
  t.equal(gone.fix, undefined, 'nothing to retry');
  for (const [r, status, body, what] of [
    [getReq, 500, 'BootResource matching query does not exist.', 'a GET: a server error'],
    [del, 503, 'BootResource matching query does not exist.', 'another status'],
    [del, 500, 'The BootResource matching query does not exist.', 'two words before it'],
    [del, 500, 'BootResource matching query does not exist. Traceback', 'more after it'],
    [del, 500, 'BootResource matching query does not exist', 'no full stop'],
  ] as const) {
    t.ok(errorFromResponse(r, status, body, 'text/plain') instanceof MaasServerError, what);
  }
});

t.test('server errors say the status once, and MAAS text when there is some', async (t) => {
  t.equal(errorFromResponse(getReq, 500, 'boom\ntraceback', 'text/plain').message, 'MAAS server error (HTTP 500): boom');
  t.equal(errorFromResponse(getReq, 502, '', 'text/plain').message, 'MAAS server error (HTTP 502).');
  t.equal(errorFromResponse(getReq, 504, '   ', 'text/plain').message, 'MAAS server error (HTTP 504).', 'blank is empty');
  t.equal(errorFromResponse(getReq, 413, 'x', 'text/plain').message, 'The request body is larger than the server accepts (HTTP 413 from the proxy in front of MAAS).');
  t.equal(errorFromResponse(getReq, 404, '', 'text/plain').message, 'Not found: HTTP 404');
  t.equal(errorFromResponse(getReq, 400, '<p>bad</p>', 'text/html').message, 'MAAS rejected the request: HTTP 400');
  t.ok(errorFromResponse(getReq, 500, 'x', 'text/plain') instanceof MaasServerError, '500 is the first server status');
  t.ok(errorFromResponse(getReq, 499, 'x', 'text/plain') instanceof MaasValidationError);
  t.equal(errorFromResponse(getReq, 401, '', 'text/plain').message, 'MAAS rejected the credentials: HTTP 401');
  t.ok(errorFromResponse(getReq, 401, 'Expired timestamp', 'text/plain') instanceof MaasAuthError);
});

t.test('400 field messages: a field with one message, and a JSON number is not fields', async (t) => {
  const one = errorFromResponse(getReq, 400, '{"name":["Required."]}', 'application/json') as MaasValidationError;
  t.equal(one.message, 'MAAS rejected the request: name: Required.');
  t.equal((errorFromResponse(getReq, 400, '7', 'application/json') as MaasValidationError).fields, undefined);
  t.equal((errorFromResponse(getReq, 400, '{"a":[]}', 'application/json') as MaasValidationError).message, 'MAAS rejected the request: a: ');
});

t.test('transport texts: the host only, the code when the message lacks it', async (t) => {
  const timeout = errorFromTransport(getReq, failed('ETIMEDOUT', 'connect ETIMEDOUT'));
  t.same([timeout.constructor, timeout.message, timeout.method, timeout.url], [MaasTimeoutError, 'Timed out talking to maas.example:5443 (ETIMEDOUT).', 'GET', getReq.url]);
  t.match(timeout.hint, /stalled/);
  const cert = errorFromTransport(getReq, new Error('Hostname/IP does not match Certificate'));
  t.same([cert.constructor, cert.code, cert.message], [MaasNetworkError, 'TLS', 'TLS certificate verification failed for maas.example:5443: Hostname/IP does not match Certificate']);
  const self = errorFromTransport(getReq, failed('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed chain'));
  t.equal(self.code, 'SELF_SIGNED_CERT_IN_CHAIN', 'the code is kept');
  const refused = errorFromTransport(getReq, failed('ECONNREFUSED', 'connect failed'));
  t.same([refused.message, refused.hint], ['Cannot reach maas.example:5443: connect failed (ECONNREFUSED)', 'Nothing listens at maas.example:5443: check the MAAS URL and that the region controller is running.']);
  t.equal(errorFromTransport(getReq, failed('ENOTFOUND')).hint, 'Cannot resolve maas.example:5443: check the MAAS URL.');
  const plain = errorFromTransport(getReq, failed('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'));
  t.same([plain.hint, plain.fix], ['maas.example:5443 closed the connection during the TLS handshake: if MAAS serves plain HTTP there (as on port 5240), use http:// in the MAAS URL; otherwise retry.', { rerun: true }], 'a TLS hang-up: the hint names http://; the fix is a rerun until the client knows MAAS never answered (api-client)');
  const cause = failed('EPIPE');
  t.equal(errorFromTransport(getReq, cause).cause, cause, 'the cause is kept');
  const ac = new AbortController();
  const reason = new Error('Ctrl-C');
  ac.abort(reason);
  const stop = errorFromTransport(getReq, failed('UND_ERR_HEADERS_TIMEOUT'), ac.signal);
  t.same([stop.constructor, stop.cause, stop.method, stop.url], [MaasAbortError, reason, 'GET', getReq.url], 'cancelled wins over a timeout');
});

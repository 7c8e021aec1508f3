// Creating the boot resource (docs/maas-upload-protocol.md#creating-the-resource, #the-answer,
// #same-content-twice) against a scripted server (test/fixtures/fake-upload.ts): the POST carries
// sha256 and size but no content, the file is the one with our sha256, and a file MAAS already
// holds complete (3.4 with the same content) is reported, not sent.
import t from 'tap';
import { MaasNetworkError, UploadIntegrityError } from '../../lib/errors/index.js';
import { createResource, newSession } from '../../lib/upload/create-resource.js';
import { fakeUpload, OTHER_SHA, SHA } from '../fixtures/fake-upload.js';

t.test('a new session starts from what MAAS holds, with nothing counted yet', async (t) => {
  const { s, server } = fakeUpload({ era: '3.4', offset: 0, held: 250_000 });
  const fresh = newSession(s.located, server.resource(), server.file(), 'resume');
  t.same(fresh, {
    located: s.located,
    size: 1_000_000,
    resource: server.resource(),
    file: server.file(),
    action: 'resume',
    state: undefined,
    offset: 250_000,
    resumedFrom: 0,
    bytesSent: 0,
    bytesResent: 0,
    sentUpTo: 0,
    retries: 0,
    attempts: 0,
    recreated: false,
    repeatedFirstChunk: false,
  });
  const two = fakeUpload({ offset: 0, held: 250_000, regions: { count: 2 } });
  t.equal(newSession(two.s.located, two.server.resource(), two.server.file(), 'resume').offset, 250_000, 'the region count reads the average back');
});

t.test('create: POST without content, then the file with our sha256, from byte 0, state saved', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ opts: { title: 'VMware ESXi 8.0', keep_old: true } });
  const created = await createResource(ctx, s.located);
  t.same(server.creates, [{ name: 'esxi/8.0', architecture: 'amd64/generic', sha256: SHA, size: 1_000_000, title: 'VMware ESXi 8.0', filetype: 'ddgz', base_image: undefined, keep_old: true }]);
  t.same([created.resource.id, created.file.sha256, created.offset, created.action], [8, SHA, 0, 'create']);
  t.same(log.phases, [['create', undefined]]);
  t.same(log.saves, [{ offset: 0, durable: true }]);
  t.equal(log.states[0]!.resourceId, 8);
  t.equal(ctx.stateSaved, true);
});

t.test('create into an existing session (a re-create): the same session, the new resource', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 500_000 });
  s.bytesSent = 500_000;
  const again = await createResource(ctx, s.located, s);
  t.equal(again, s, 'the session carries on');
  t.same([s.resource.id, s.offset, s.bytesSent, s.action], [8, 0, 500_000, 'resume']);
  t.equal(server.creates.length, 1);
});

t.test('a file MAAS already holds complete: nothing to send, no state', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ era: '3.4' });
  server.onCreate = () => (server.complete = true);
  const created = await createResource(ctx, s.located);
  t.same([created.action, created.offset, created.file.complete], ['already-present', 1_000_000, true]);
  t.same(log.saves, []);
  t.equal(ctx.stateSaved, false);
});

t.test('MAAS answers without our file: an integrity error, nothing saved', async (t) => {
  const { ctx, s, server, log } = fakeUpload();
  server.onCreate = () => (server.sha256 = OTHER_SHA);
  const e = (await t.rejects(createResource(ctx, s.located))) as UploadIntegrityError;
  t.same([e.constructor, e.message], [UploadIntegrityError, `MAAS created resource 8 but it has no file with sha256 ${SHA}.`]);
  t.match(e.hint, /check its logs/);
  t.same(log.saves, []);
});

t.test('a create POST that never gets an answer: look, post again, back off as the policy says, and give up after its retries', async (t) => {
  const { ctx, s, log } = fakeUpload({ backoff: { baseMs: 20, maxMs: 10_000, retries: 3 } });
  const lost = new MaasNetworkError('Cannot reach 127.0.0.1:1: socket hang up (ECONNRESET)');
  let posts = 0;
  let looks = 0;
  ctx.deps.resources = {
    create: async () => {
      posts += 1;
      throw lost;
    },
    list: async () => ((looks += 1), []),
  } as unknown as typeof ctx.deps.resources;
  await t.rejects(createResource(ctx, s.located), lost, "the last POST's error");
  t.equal(posts, 4, 'the first POST and three more');
  t.equal(looks, 3, 'each POST after the first comes after a look found nothing');
  t.same(log.retries.map((r) => r.attempt), [1, 2, 3]);
  log.retries.forEach((r, i) => t.ok(r.delayMs <= 20 * 2 ** i, `retry ${i + 1} waits within the policy's ${20 * 2 ** i} ms`));
});

import t from 'tap';
import { statSync, writeFileSync, readdirSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { HashCache, sha256File } from '../../lib/upload/hash.js';
import { fingerprintId, UploadStateStore, type UploadState } from '../../lib/upload/state-store.js';
import { defaultStateDir } from '../../lib/upload/state-dir.js';
import { BootResourceUpload } from '../../lib/upload/uploader.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { writeFileAtomic } from '../../lib/upload/atomic-file.js';

t.test('state dir follows XDG_STATE_HOME, default ~/.local/state/maas-esxi', async (t) => {
  t.equal(defaultStateDir({ XDG_STATE_HOME: '/s' }, '/home/u'), '/s/maas-esxi');
  t.equal(defaultStateDir({}, '/home/u'), '/home/u/.local/state/maas-esxi');
  t.equal(defaultStateDir({ XDG_STATE_HOME: 'relative' }, '/home/u'), '/home/u/.local/state/maas-esxi', 'relative XDG paths are ignored, as the spec says');
});

t.test('state files are written atomically with mode 0600 and listed back', async (t) => {
  const dir = t.testdir({});
  const store = new UploadStateStore(dir);
  const fp = { apiUrl: 'http://h/MAAS/api/2.0/', name: 'esxi/8.0', architecture: 'amd64/generic', path: '/i.dd.gz', size: 10, mtimeMs: 1, ino: 2 };
  const id = fingerprintId(fp);
  t.match(id, /^[0-9a-f]{16}$/);
  t.not(fingerprintId({ ...fp, mtimeMs: 2 }), id, 'a touched file is a different upload');
  t.not(fingerprintId({ ...fp, apiUrl: 'http://other/' }), id, 'another MAAS is a different upload');
  const state: UploadState = {
    version: 1, id, fingerprint: fp, params: { name: 'esxi/8.0', architecture: 'amd64/generic', filetype: 'ddgz' },
    sha256: 'a'.repeat(64), chunkSize: 8, era: '3.8', resourceId: 7, uploadUri: '/MAAS/api/2.0/boot-resources/7/upload/9/',
    offset: 4, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
  };
  await store.save(state);
  const file = join(dir, 'uploads', `${id}.json`);
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(statSync(join(dir, 'uploads')).mode & 0o777, 0o700);
  t.same(await store.get(id), state);
  t.same((await store.list()).map((s) => s.id), [id]);
  t.same(readdirSync(join(dir, 'uploads')), [`${id}.json`], 'no temp files left behind');
  writeFileSync(join(dir, 'uploads', 'ffffffffffffffff.json'), '{torn');
  t.same((await store.list()).map((s) => s.id), [id], 'an unreadable state file is skipped');
  t.equal(await store.remove(id), true);
  t.equal(await store.remove(id), false);
  t.equal(await store.get(id), undefined);
  await t.rejects(store.get('../../etc/passwd'), /Not an upload id/);
});

t.test('sha256 is streamed and cached by (dev, inode, size, mtime)', async (t) => {
  const dir = t.testdir({ 'img': Buffer.alloc(9 * 1024 * 1024 + 3, 1) });
  const path = join(dir, 'img');
  const expected = createHash('sha256').update(Buffer.alloc(9 * 1024 * 1024 + 3, 1)).digest('hex');
  const seen: number[] = [];
  t.equal(await sha256File(path, { onProgress: (p) => seen.push(p.bytesHashed) }), expected);
  t.ok(seen.length >= 3, 'progress reported per read');
  t.equal(seen[seen.length - 1], 9 * 1024 * 1024 + 3);
  const cache = new HashCache(dir);
  const st = statSync(path);
  t.equal(await cache.get(st), undefined);
  await cache.set(st, expected, path);
  t.equal(await cache.get(st), expected);
  t.equal(await cache.get({ ...st, mtimeMs: st.mtimeMs + 1, dev: st.dev, ino: st.ino, size: st.size }), undefined, 'a changed mtime misses');
  t.equal(statSync(cache.path).mode & 0o777, 0o600);
});

// The resume state stays crash-safe (the chunk in flight is recorded before it is sent)
// but costs one small write + rename per chunk, not two.
const CHUNK = 64 * KiB;

class CountingStore extends UploadStateStore {
  saves: Array<{ durable: boolean; inFlight: UploadState['inFlight'] }> = [];
  override async save(state: UploadState, durable = true): Promise<void> {
    this.saves.push({ durable, inFlight: state.inFlight && { ...state.inFlight } });
    await super.save(state, durable);
  }
}

t.test('a clean upload writes its state once per chunk (plus once at create), each recording the chunk in flight', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  const store = new CountingStore(env.stateDir);
  const result = await new BootResourceUpload({ api: env.client.api, resources: env.client.bootResources, store }, env.options(image)).done();
  const chunks = Math.ceil(image.size / CHUNK);
  t.equal(result.file.complete, true);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, chunks, `${chunks} PUTs`);
  const perChunk = store.saves.filter((s) => !s.durable);
  t.equal(perChunk.length, chunks, 'one (unsynced) write per chunk');
  t.ok(perChunk.every((s) => s.inFlight !== undefined), 'each one records the chunk about to go');
  t.equal(store.saves.length - chunks, 1, 'and one durable write when the resource is created');
});

// The state file's atomic write (lib/upload/atomic-file.ts): one open, write, close and rename,
// done before the call returns (no thread-pool hand-overs per chunk), crash-safe, 0600.
t.test('the file is in place when the call returns, before its promise is awaited', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'uploads', 'a.json');
  const pending = writeFileAtomic(path, '{"offset":1}\n', false);
  t.equal(readFileSync(path, 'utf8'), '{"offset":1}\n', 'written synchronously');
  await pending;
  t.equal(statSync(path).mode & 0o777, 0o600);
  t.equal(statSync(join(dir, 'uploads')).mode & 0o777, 0o700);
});

t.test('a directory removed between two saves is made again', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'uploads', 'a.json');
  await writeFileAtomic(path, 'one', false);
  rmSync(join(dir, 'uploads'), { recursive: true });
  await writeFileAtomic(path, 'two', false);
  t.equal(readFileSync(path, 'utf8'), 'two');
  t.same(readdirSync(join(dir, 'uploads')), ['a.json'], 'no temp file left');
});

t.test('a failed rename keeps the old content and leaves no temp file', async (t) => {
  const dir = t.testdir({});
  const path = join(dir, 'busy');
  mkdirSync(join(path, 'inside'), { recursive: true });
  await t.rejects(writeFileAtomic(path, 'new'), { code: /EISDIR|ENOTEMPTY|EEXIST|EPERM/ });
  t.same(readdirSync(dir), ['busy'], 'only what was there');
});

import t from 'tap';
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../lib/upload/hash.js';

const MiB = 1024 * 1024;

/** Bytes that differ from one MiB to the next, so a block hashed twice or skipped changes the digest. */
const content = (bytes: number): Buffer => {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4096) b.writeUInt32BE(i / 4096, i);
  return b;
};

/** File descriptors of this process open on `path` (Linux /proc). */
const openFds = (path: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

t.test('digest and progress at and around the read-size boundaries', async (t) => {
  const dir = t.testdir({});
  for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 7]) {
    const path = join(dir, `f${size}`);
    const data = content(size);
    writeFileSync(path, data);
    const seen: number[] = [];
    const digest = await sha256File(path, { total: size, onProgress: (p) => { t.equal(p.total, size); seen.push(p.bytesHashed); } });
    t.equal(digest, createHash('sha256').update(data).digest('hex'), `${size} bytes`);
    t.same(seen, Array.from({ length: Math.ceil(size / MiB) }, (_, i) => Math.min(size, (i + 1) * MiB)), `progress after each read (${size} bytes)`);
    t.equal(openFds(path), 0, 'file closed');
  }
});

t.test('an abort during hashing rejects and closes the file', async (t) => {
  const path = join(t.testdir({}), 'img');
  writeFileSync(path, content(8 * MiB));
  const ac = new AbortController();
  const seen: number[] = [];
  await t.rejects(
    sha256File(path, { signal: ac.signal, onProgress: (p) => { seen.push(p.bytesHashed); if (p.bytesHashed >= 2 * MiB) ac.abort(); } }),
    { name: 'AbortError' },
  );
  t.same(seen, [MiB, 2 * MiB], 'nothing hashed after the abort');
  t.equal(openFds(path), 0, 'file closed, no read left in flight');
  await t.rejects(sha256File(path, { signal: AbortSignal.abort() }), { name: 'AbortError' }, 'an aborted signal stops before opening');
});

t.test('a read error rejects with the error and closes the file', async (t) => {
  const dir = t.testdir({ sub: {} });
  await t.rejects(sha256File(join(dir, 'sub')), { code: 'EISDIR' });
  t.equal(openFds(join(dir, 'sub')), 0);
  await t.rejects(sha256File(join(dir, 'missing')), { code: 'ENOENT' });
});

t.test('an error thrown by the progress callback propagates and closes the file', async (t) => {
  const path = join(t.testdir({}), 'img');
  writeFileSync(path, content(4 * MiB));
  await t.rejects(sha256File(path, { onProgress: () => { throw new Error('listener failed'); } }), /listener failed/);
  t.equal(openFds(path), 0);
});

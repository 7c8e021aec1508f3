// The state file's atomic write (lib/upload/atomic-file.ts): one open, write, close and rename,
// done before the call returns (no thread-pool hand-overs per chunk), crash-safe, 0600.
import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/upload/atomic-file.js';

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

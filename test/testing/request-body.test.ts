import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { readRequestBody } from '../../lib/testing/request-body.js';

function fakeRequest(chunks: Buffer[]): IncomingMessage {
  const r = Readable.from(chunks) as unknown as IncomingMessage & { complete: boolean };
  r.complete = true;
  return r;
}

t.test('request bodies: memory, spooled to disk, cut, too large (docs/maas-upload-protocol.md#body-size-and-chunk-size: whole body before applying)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-body-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const chunks = [Buffer.from('hello '), Buffer.from('big '), Buffer.from('world')];
  const whole = Buffer.concat(chunks);
  const base = { spoolDir: dir, bytesPerSecond: () => null };

  const mem = await readRequestBody(fakeRequest(chunks), base);
  if (mem.outcome !== 'complete') throw new Error(mem.outcome);
  t.same(await mem.body.toBuffer(), whole);
  t.equal(mem.body.length, whole.length);

  const spooled = await readRequestBody(fakeRequest(chunks), { ...base, spoolThreshold: 8 });
  if (spooled.outcome !== 'complete') throw new Error(spooled.outcome);
  t.equal(readdirSync(dir).length, 1, 'spooled to a temp file');
  t.same(await spooled.body.toBuffer(), whole);
  const target = join(dir, 'target');
  const fh = await open(target, 'w+');
  await fh.write(Buffer.from('XX'));
  await spooled.body.writeTo(fh, 2);
  await fh.close();
  const appender = await open(target, 'a');
  await mem.body.writeTo(appender, null);
  await appender.close();
  const { readFileSync } = await import('node:fs');
  t.same(readFileSync(target), Buffer.concat([Buffer.from('XX'), whole, whole]), 'positional then append writes');
  await spooled.body.dispose();
  t.same(readdirSync(dir), ['target'], 'dispose removes the spool file');

  const cut = await readRequestBody(fakeRequest(chunks), { ...base, stopAfter: 7 });
  t.same(cut, { outcome: 'cut', bytes: 10 });
  const big = await readRequestBody(fakeRequest(chunks), { ...base, maxBytes: 9, spoolThreshold: 1 });
  t.same(big, { outcome: 'tooLarge', bytes: 15 }, 'read to the end and discarded');
  t.same(readdirSync(dir), ['target'], 'no spool left behind');
});

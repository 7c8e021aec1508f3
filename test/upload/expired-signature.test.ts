// MAAS checks an OAuth signature's age after its proxy has read the whole body
// (docs/maas-api.md#the-300-s-window). When a chunk crosses slower than the window, every resend
// of the same size is refused again: the client must shrink until a chunk crosses well inside
// the window, say the size it really uses, and complete.
import t from 'tap';
import { fileIdOf, KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const MiB = 1024 * KiB;
const WINDOW_S = 2;
const LINK = 500_000;

t.test('a 2 s signature window at 500 kB/s with 2 MiB chunks: shrink, complete', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', signatureWindowS: WINDOW_S });
  const image = makeImage(tempDir(t), 5 * MiB);
  env.sim.faults.throttle(LINK);
  const up = env.client.bootResources.upload(env.options(image, { chunkSize: 2 * MiB }));
  const warnings: string[] = [];
  up.on('warning', (w) => warnings.push(w));
  const result = await up.done();
  const puts = env.sim.requests.filter((r) => r.method === 'PUT');
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(fileIdOf(puts.at(-1)!.path)), image.sha256, 'stored sha256 == source');
  const refused = puts.filter((r) => r.status === 401);
  t.ok(refused.length >= 1 && refused.length <= 2, `${refused.length} chunk(s) refused as expired, then none`);
  const accepted = puts.filter((r) => r.status === 200);
  // Well inside the window: at most half of it at the link's rate.
  for (const r of accepted) t.ok(r.bodyBytes <= (LINK * WINDOW_S) / 2, `a ${r.bodyBytes}-byte chunk crosses in ${(r.bodyBytes / LINK).toFixed(2)} s`);
  const said = warnings.map((w) => /sending (\d+)-byte chunks/.exec(w)?.[1]).filter((n) => n !== undefined).map(Number);
  t.ok(said.length >= 1, 'the client said which size it uses');
  // The next chunk is the size announced; later ones follow the rate measured on each.
  const next = puts[puts.indexOf(refused.at(-1)!) + 1];
  t.equal(next?.bodyBytes, said.at(-1), `the chunk after the refusal is the size announced (${said.at(-1)} bytes)`);
});

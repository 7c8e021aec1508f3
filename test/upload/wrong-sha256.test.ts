// A sha256 the caller passes that is not the file's: MAAS compares the stored bytes with it at the
// last chunk and answers "Saved content does not match given SHA256 value."
// (docs/maas-upload-protocol.md). The error must name that option as the likely cause, not
// another client, and leave no half-made resource behind.
import t from 'tap';
import { UploadIntegrityError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

t.test('a wrong sha256 option: exit 7, the hint names the option, no resource left', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const wrong = '0'.repeat(64);
  const err = await env.client.bootResources
    .upload(env.options(image, { sha256: wrong }))
    .done()
    .catch((e: unknown) => e);
  t.ok(err instanceof UploadIntegrityError, String(err));
  t.equal(exitCodeFor(err as UploadIntegrityError), 7);
  t.match((err as UploadIntegrityError).hint, `The sha256 option (${wrong}) may not be the file's`);
  t.notMatch((err as UploadIntegrityError).hint, /nothing else uploads/);
  const left = (await env.client.bootResources.list()).filter((r) => r.type === 'Uploaded');
  t.same(left, [], 'the broken resource was deleted');
});

// The resume state stays crash-safe (the chunk in flight is recorded before it is sent)
// but costs one small write + rename per chunk, not two.
import t from 'tap';
import { BootResourceUpload } from '../../lib/upload/uploader.js';
import { UploadStateStore, type UploadState } from '../../lib/upload/state-store.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

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

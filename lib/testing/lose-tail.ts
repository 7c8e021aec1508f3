import { truncate } from 'node:fs/promises';
import type { EraFacts } from './eras.js';
import { exists } from './file-bytes.js';
import type { SimStore } from './store.js';

/**
 * Cut the last `bytes` received from every incomplete file, counter and stored bytes alike.
 * MAAS keeps the two in different places — the counter in the BootResourceFileSync row
 * (src/maasserver/models/bootresourcefile.py BootResourceFileSync), the bytes in the image
 * store, appended without an fsync (src/maasservicelayer/utils/image_local_files.py
 * SyncLocalBootResourceFile.append_chunk) — so a region restored from an earlier snapshot of
 * both holds less than it acknowledged. A client must resend from the lower offset.
 */
export async function loseTail(store: SimStore, era: EraFacts, bytes: number): Promise<void> {
  const data = store.data;
  for (const f of data.files) {
    if (era.era === '3.4') {
      const lf = data.largeFiles[f.filenameOnDisk];
      if (!lf || lf.received === lf.totalSize) continue;
      lf.received = Math.max(0, lf.received - bytes);
      if (await exists(store.bytesPath(f.filenameOnDisk))) await truncate(store.bytesPath(f.filenameOnDisk), lf.received);
      continue;
    }
    const held = f.sync['0'] ?? 0;
    if (held === 0 || held === f.size) continue;
    f.sync['0'] = Math.max(0, held - bytes);
    // 3.5–3.7 write at the counter into a full-size `.incomplete` file; 3.8 appends.
    const path = era.era === '3.8' ? store.bytesPath(f.filenameOnDisk) : undefined;
    if (path && (await exists(path))) await truncate(path, f.sync['0']);
  }
  store.save();
}

import { createHash } from 'node:crypto';
import type { EraFacts } from './eras.js';
import { RTYPE_SYNCED, type StateData } from './store.js';
import type { SimUser } from './types.js';

interface SeedOptions {
  era: EraFacts;
  users: SimUser[];
  usableArchitectures: readonly string[];
  regions: number;
  syncedImages: boolean;
}

/** Synced Ubuntu files of one set: kernel + initrd + squashfs is what makes an architecture usable (docs/maas-upload-protocol.md#architecture-rules). */
const SYNCED_FILES: [filename: string, size: number][] = [
  ['boot-kernel', 14_848_000],
  ['boot-initrd', 71_303_168],
  ['squashfs', 287_309_824],
];

/** A fresh region's database: the users, and optionally an imported Ubuntu per architecture. */
export function initialState(o: SeedOptions): StateData {
  const data: StateData = {
    format: 1,
    era: o.era.era,
    nextId: { resource: 1, set: 1, file: 1 },
    users: o.users,
    resources: [],
    sets: [],
    files: [],
    largeFiles: {},
  };
  if (!o.syncedImages) return data;
  const series = o.era.era === '3.4' ? 'jammy' : 'noble';
  const ga = o.era.era === '3.4' ? 'ga-22.04' : 'ga-24.04';
  for (const usable of o.usableArchitectures) {
    const [arch = usable, subarch = 'generic'] = usable.split('/');
    const resourceId = data.nextId.resource++;
    data.resources.push({
      id: resourceId,
      rtype: RTYPE_SYNCED,
      name: `ubuntu/${series}`,
      architecture: `${arch}/${ga}`,
      extra: {
        subarches: [...new Set([subarch, 'generic', ga])].join(','),
        title: o.era.era === '3.4' ? 'Ubuntu 22.04 LTS' : 'Ubuntu 24.04 LTS',
      },
      baseImage: '',
      lastDeployed: null,
    });
    const setId = data.nextId.set++;
    data.sets.push({ id: setId, resourceId, version: '20250101', label: 'stable' });
    for (const [filename, size] of SYNCED_FILES) {
      const sha256 = createHash('sha256').update(`${series}/${arch}/${filename}`).digest('hex');
      const filenameOnDisk = sha256.slice(0, 7);
      const sync: Record<string, number> = {};
      if (o.era.era === '3.4') data.largeFiles[filenameOnDisk] = { sha256, totalSize: size, received: size };
      else for (let r = 0; r < o.regions; r++) sync[String(r)] = size;
      data.files.push({ id: data.nextId.file++, setId, filename, filetype: filename, sha256, size, filenameOnDisk, sync });
    }
  }
  return data;
}

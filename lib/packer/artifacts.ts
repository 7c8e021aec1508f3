/**
 * Assembles Packer's `artifact` lines into artifact records and picks the compressed image
 * (docs/packer.md).
 */
import type { PackerEvent } from './machine-readable.js';

export interface PackerArtifact {
  /** Build name, e.g. `qemu.esxi`. */
  build: string;
  index: number;
  builderId: string;
  id: string;
  string: string;
  /** Paths as Packer printed them: relative to Packer's cwd unless absolute. */
  files: string[];
}

/** builder-id of the `compress` post-processor (docs/packer.md). */
const COMPRESS_BUILDER_ID = 'packer.post-processor.compress';

export class ArtifactCollector {
  readonly #byKey = new Map<string, PackerArtifact>();

  /** Feed every event; non-artifact events are ignored. */
  add(ev: PackerEvent): void {
    if (ev.type !== 'artifact') return;
    const key = `${ev.target}\u0000${ev.index}`;
    let art = this.#byKey.get(key);
    if (!art) {
      art = { build: ev.target, index: ev.index, builderId: '', id: '', string: '', files: [] };
      this.#byKey.set(key, art);
    }
    switch (ev.field) {
      case 'builder-id':
        art.builderId = ev.value;
        break;
      case 'id':
        art.id = ev.value;
        break;
      case 'string':
        art.string = ev.value;
        break;
      case 'file':
        art.files[ev.fileIndex ?? art.files.length] = ev.value;
        break;
    }
  }

  get artifacts(): PackerArtifact[] {
    return [...this.#byKey.values()];
  }
}

/**
 * The image to hand to the uploader: a `.dd.gz` file from the compress post-processor; failing
 * that, any artifact file ending in `.dd.gz` (a template might wrap compress in another
 * post-processor that passes its artifact through). Never a file found by looking on disk:
 * separate post-processor blocks compress even after a failed step (docs/packer.md).
 */
export function findCompressedImage(artifacts: PackerArtifact[], suffix = '.dd.gz'): { artifact: PackerArtifact; file: string } | undefined {
  const candidates: { artifact: PackerArtifact; file: string }[] = [];
  for (const artifact of artifacts) {
    for (const file of artifact.files) {
      if (file && file.endsWith(suffix)) candidates.push({ artifact, file });
    }
  }
  return candidates.find((c) => c.artifact.builderId === COMPRESS_BUILDER_ID) ?? candidates[0];
}

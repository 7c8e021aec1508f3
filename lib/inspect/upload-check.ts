/**
 * The check `create` and `build-and-upload` make before hashing (docs/image-inspection.md#hooks):
 * the name and title from the image when not given, a warning when the name contradicts it, and
 * a refusal for an image named esxi/… that MAAS could write but never finish deploying (no hooks).
 */
import { basename } from 'node:path';
import { MaasConfigError } from '../errors/index.js';
import { defaultTitle } from '../resources/esxi-title.js';
import { ImageInspectError } from './errors.js';
import { inspectImage, type ImageInspection } from './inspect-image.js';

export interface ImageUploadCheckOptions {
  path: string;
  filetype: string;
  /** The upload's name; empty or undefined: take it from the image. */
  name?: string | undefined;
  title?: string | undefined;
  /** False (`--no-hook-check`): upload an ESXi image without MAAS hooks anyway. */
  hookCheck?: boolean;
  signal?: AbortSignal;
}

export interface ImageUploadCheck {
  name: string;
  title: string | undefined;
  /** What inspect found; null for filetypes that are not disk images (tgz, ddtgz, …). */
  image: ImageInspection | null;
  /** Contradictions worth telling the user, which do not stop the upload. */
  warnings: string[];
}

const DISK_FILETYPES = new Set(['ddgz', 'ddxz', 'ddbz2', 'ddraw']);

export async function checkImageForUpload(opts: ImageUploadCheckOptions): Promise<ImageUploadCheck> {
  const given = opts.name || undefined;
  if (!DISK_FILETYPES.has(opts.filetype)) return { name: requireName(given, null), title: opts.title ?? defaultTitle(requireName(given, null)), image: null, warnings: [] };
  const image = await inspectImage(opts.path, opts.signal ? { signal: opts.signal } : {}).catch((err: unknown) => {
    // A missing file is the upload's own first check, with its own message.
    if (err instanceof ImageInspectError && err.code === 'NOT_FOUND' && given) return null;
    throw err;
  });
  if (!image) return { name: given!, title: opts.title ?? defaultTitle(given!), image: null, warnings: [] };
  const name = requireName(given ?? image.esxi?.name, image);
  const release = /^esxi\/(\d+\.\d+)/.exec(name)?.[1];
  const warnings: string[] = [];
  if (release && image.esxi && image.esxi.release !== release) {
    warnings.push(`name=${name} but ${basename(opts.path)} holds ESXi ${image.esxi.release}${image.esxi.update > 0 ? ` U${image.esxi.update}` : ''} (build ${image.esxi.build}); MAAS will offer it as ${name}.`);
  } else if (name.startsWith('esxi/') && !image.esxi) {
    warnings.push(`name=${name} but ${basename(opts.path)} holds no ESXi bootbank whose boot.cfg names a build: check that it is the image you meant.`);
  }
  // MAAS's ESXi deployment needs the hooks whatever the disk holds; custom/… and other OS names are never refused.
  if (name.startsWith('esxi/') && image.hooks.kind === 'none' && opts.hookCheck !== false) throw noHooks(opts.path, image);
  const sameRelease = image.esxi && image.esxi.release === release;
  return { name, title: opts.title ?? (sameRelease ? image.esxi!.title : defaultTitle(name)), image, warnings };
}

function requireName(name: string | undefined, image: ImageInspection | null): string {
  if (name) return name;
  throw new MaasConfigError(`Missing name${image ? ', and the image holds no ESXi release to take it from' : ''}.`, {
    code: 'USAGE',
    hint: 'Add name=esxi/<release>, e.g. name=esxi/8.0, or custom/<name> for another image.',
  });
}

function noHooks(path: string, image: ImageInspection): ImageInspectError {
  const hint = 'Build the image with maas-esxi build, which installs the hooks, or pass --no-hook-check to upload it anyway.';
  const hooks = 'no MAAS hooks (curtin/curtin-hooks on partition 1)';
  if (image.esxiLayout) {
    return new ImageInspectError(
      `${basename(path)} has ${hooks}: MAAS would write it to the disk, but the host would never configure its network nor report that deployment finished.`,
      { code: 'NO_HOOKS', hint },
    );
  }
  return new ImageInspectError(`${basename(path)} is not an ESXi disk image MAAS can finish deploying: it holds ${layoutFound(image)} and ${hooks}.`, { code: 'NO_HOOKS', hint });
}

/** What stands where ESXi's GPT layout should be (docs/image-inspection.md#esxi-layouts). */
function layoutFound(image: ImageInspection): string {
  const { scheme, partitions } = image.partitionTable;
  if (scheme === 'none') return 'no partition table';
  const count = `${partitions.length} partition${partitions.length === 1 ? '' : 's'}`;
  return scheme === 'mbr' ? `an MBR partition table (${count}), not ESXi's GPT layout` : `a GPT partition table (${count}) without ESXi's layout (bootbank on partition 5)`;
}

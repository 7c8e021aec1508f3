import { BOOT_RESOURCE_FILETYPES } from '../resources/types.js';
import type { FieldDoc } from './command.js';

/**
 * The fields of `boot-resources create`: MAAS's BootResourceForm (src/maasserver/forms/__init__.py
 * BootResourceForm: name, title, architecture, filetype, sha256, size, keep_old, base_image) plus
 * `content`, which the maas CLI turns into size and sha256 (src/maascli/actions/boot_resources_create.py
 * BootResourcesCreateAction.prepare_initial_payload).
 */
export const CREATE_FIELDS: readonly FieldDoc[] = [
  { name: 'name', meaning: 'image name: esxi/<release> for ESXi (needs no base_image), custom/<name> or a bare name otherwise', default: 'esxi/<major.minor> of the ESXi build inside a disk image (maas-esxi inspect)' },
  // No fixed list: MAAS accepts only the architectures of its imported images; completion offers
  // the server's own, remembered per profile (architecture-cache.ts).
  { name: 'architecture', meaning: "one of the MAAS server's usable architectures (those of its imported Ubuntu images, e.g. amd64/generic)" },
  { name: 'content', meaning: 'the image file (written content@=FILE)', file: true },
  { name: 'filetype', meaning: 'image format; ESXi images from Packer are ddgz', default: "detected from the content (MAAS alone would assume tgz)", values: BOOT_RESOURCE_FILETYPES },
  { name: 'title', meaning: 'name shown in the MAAS UI', default: "what MAAS's ESXi driver shows, with the image's update level ('VMware ESXi 8.0 u3'), for esxi/<release>; else empty" },
  { name: 'base_image', meaning: '<os>/<series> a custom/* or bare-named image deploys like', default: "MAAS's commissioning OS and series" },
  {
    name: 'keep_old',
    meaning: 'true keeps earlier uploads of this name; otherwise MAAS deletes them as soon as this one is created, before its upload finishes',
    default: 'false',
    values: ['true', 'false'],
  },
  { name: 'sha256', meaning: "the content's SHA-256 if already known (skips hashing; must be right)", default: 'computed from the content' },
  { name: 'size', meaning: 'accepted as the maas CLI does, and replaced by the real size of content', default: 'computed from the content' },
];

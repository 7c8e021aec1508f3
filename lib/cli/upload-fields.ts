import { resolve } from 'node:path';
import { BOOT_RESOURCE_FILETYPES, type Architecture, type BootResourceFiletype } from '../resources/types.js';
import { assertFiletype } from '../upload/checks.js';
import { sniffImageType, suggestFiletype } from '../upload/sniff.js';
import type { UploadOptions } from '../upload/types.js';
import type { FieldDoc } from './command.js';
import { pairsToRecord, UsageError, type DataPair } from './grammar.js';

/** Architectures MAAS commonly offers (completion suggestions; the server decides). */
const COMMON_ARCHITECTURES = ['amd64/generic', 'arm64/generic', 'amd64/hwe-24.04', 'ppc64el/generic', 's390x/generic'] as const;

/**
 * The fields of `boot-resources create`: MAAS's BootResourceForm (src/maasserver/forms/__init__.py
 * BootResourceForm: name, title, architecture, filetype, sha256, size, keep_old, base_image) plus
 * `content`, which the maas CLI turns into size and sha256 (src/maascli/actions/boot_resources_create.py
 * BootResourcesCreateAction.prepare_initial_payload).
 */
export const CREATE_FIELDS: readonly FieldDoc[] = [
  { name: 'name', meaning: 'image name: esxi/<release> for ESXi (needs no base_image), custom/<name> or a bare name otherwise', default: "esxi/<major.minor> of the ESXi build inside a disk image (maas-esxi inspect)" },
  { name: 'architecture', meaning: 'one of the MAAS server\'s usable architectures', values: COMMON_ARCHITECTURES },
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

const KNOWN = new Set(CREATE_FIELDS.map((f) => f.name));

/** Upload options from the fields, with what the command should tell the user. */
export interface CreateFields extends Omit<UploadOptions, 'signal' | 'stateDir' | 'chunkSize' | 'resume' | 'retries' | 'regions'> {
  filetypeGuessed: boolean;
  /** `size=N` as given (the real size is sent), for a note. */
  declaredSize: string | undefined;
  /** Fields MAAS's form does not have: MAAS would drop them silently; we warn. */
  ignored: string[];
}

/** Django's forms.BooleanField.to_python: "false" and "0" (any case) and "" are false. */
function djangoBoolean(text: string): boolean {
  return text !== '' && !['false', '0'].includes(text.toLowerCase());
}

/** Turn `name=… content@=FILE …` into upload options, with the fixes spelled out. */
export async function uploadOptionsFromPairs(pairs: readonly DataPair[], cwd: string): Promise<CreateFields> {
  const data = pairsToRecord(pairs);
  const ignored = Object.keys(data).filter((key) => !KNOWN.has(key));
  const value = (key: string): string | undefined => {
    const p = data[key];
    if (!p) return undefined;
    if (p.fromFile) throw new UsageError(`${key}@= reads a file, but ${key} takes a value.`, `Write ${key}=VALUE.`);
    return p.value;
  };
  const content = data['content'];
  if (!content) throw new UsageError('Missing content.', 'Name the image with content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  if (!content.fromFile) throw new UsageError('content must name a file with @=.', `Write content@=${content.value || 'FILE'}.`);
  if (content.path === '') throw new UsageError('content@= names no file.', 'Write content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  const name = value('name');
  const architecture = value('architecture');
  if (!architecture) throw new UsageError('Missing architecture.', 'Add architecture=amd64/generic.');
  const declaredSize = value('size');
  if (declaredSize !== undefined && !/^\s*\d+\s*$/.test(declaredSize)) {
    throw new UsageError(`size=${declaredSize} is not a whole number of bytes.`, 'Leave size= out: it is computed from content.');
  }
  const keepOld = value('keep_old');
  const path = resolve(cwd, content.path);
  let filetype = value('filetype');
  let filetypeGuessed = false;
  if (filetype === undefined) {
    // MAAS would silently default to tgz, which deploys nothing for a disk image (BootResourceForm.filetype initial).
    try {
      filetype = suggestFiletype(await sniffImageType(path));
      filetypeGuessed = true;
    } catch {
      filetype = 'ddgz';
    }
  }
  assertFiletype(filetype);
  return {
    // Empty: taken from the image by the upload's check (lib/inspect/upload-check.ts), which also defaults the title.
    name: name ?? '',
    // The SDK checks the text at run time (lib/upload/checks.ts) and says what is wrong with it.
    architecture: architecture as Architecture,
    title: value('title'),
    filetype: filetype as BootResourceFiletype,
    base_image: value('base_image'),
    keep_old: keepOld === undefined ? undefined : djangoBoolean(keepOld),
    sha256: value('sha256'),
    path,
    filetypeGuessed,
    declaredSize,
    ignored,
  };
}

/** The notes `create` prints before it starts: ignored fields, the replaced size. */
export function fieldNotes(f: CreateFields, realSize: number | undefined): string[] {
  const notes = f.ignored.map((key) => `MAAS's boot-resources create has no field '${key}' and would ignore it; not sent.`);
  if (f.declaredSize !== undefined && (realSize === undefined || Number(f.declaredSize) !== realSize)) {
    notes.push(`size=${f.declaredSize.trim()} replaced by the size of the content${realSize === undefined ? '' : ` (${realSize} bytes)`}, as the maas CLI does.`);
  }
  return notes;
}

import { resolve } from 'node:path';
import type { Architecture, BootResourceFiletype } from '../resources/types.js';
import { assertFiletype } from '../upload/checks.js';
import { sniffImageType, suggestFiletype } from '../upload/sniff.js';
import type { UploadOptions } from '../upload/types.js';
import { CREATE_FIELDS } from './create-fields.js';
import { pairsToRecord, UsageError, type DataPair } from './grammar.js';
import { didYouMean } from './suggest.js';

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

/** `; you wrote contnet@=` when an unknown field is a close misspelling of the missing `field`, as for flags. */
function misspelt(field: string, ignored: readonly string[], data: ReturnType<typeof pairsToRecord>): string {
  const typo = ignored.find((key) => didYouMean(key, [field]) !== '');
  return typo === undefined ? '' : ` (you wrote ${typo}${data[typo]?.fromFile ? '@=' : '='}; did you mean ${field}${data[typo]?.fromFile ? '@=' : '='}?)`;
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
  if (!content) throw new UsageError(`Missing content${misspelt('content', ignored, data)}.`, 'Name the image with content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  if (!content.fromFile) throw new UsageError('content must name a file with @=.', `Write content@=${content.value || 'FILE'}.`);
  if (content.path === '') throw new UsageError('content@= names no file.', 'Write content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  const name = value('name');
  const architecture = value('architecture');
  if (!architecture) throw new UsageError(`Missing architecture${misspelt('architecture', ignored, data)}.`, 'Add architecture=amd64/generic.');
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
  const notes = f.ignored.map((key) => `MAAS's boot-resources create has no field '${key}'${didYouMean(key, [...KNOWN], (k) => (k === 'content' ? 'content@=' : `${k}=`)).replace(/^; (.*)$/, ' ($1)')} and would ignore it; not sent.`);
  if (f.declaredSize !== undefined && (realSize === undefined || Number(f.declaredSize) !== realSize)) {
    notes.push(`size=${f.declaredSize.trim()} replaced by the size of the content${realSize === undefined ? '' : ` (${realSize} bytes)`}, as the maas CLI does.`);
  }
  return notes;
}

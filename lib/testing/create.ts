import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { FILETYPE_CHOICES, UBUNTU_SERIES, UPLOAD_FILETYPES, storedFiletype } from './eras.js';
import { unlinkQuietly } from './file-bytes.js';
import { pyFloatRepr } from '../python/json-dumps.js';
import { pyLen, pyListRepr } from './py-format.js';
import { resourceToDict } from './render.js';
import { apiError, pistonJson, serverError, validationError, type SimResponse } from './responses.js';
import { requireWriter, type HandlerRequest, type SimContext } from './sim-context.js';
import { RTYPE_UPLOADED, type FileRow, type ResourceRow } from './store.js';

const REQUIRED = 'This field is required.';

/** Python's `str()` of a form value; undefined for Django's empty values (None, '', [], {}). */
function pyStr(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : pyFloatRepr(v);
  if (Array.isArray(v)) return v.length === 0 ? undefined : JSON.stringify(v);
  if (typeof v === 'object') return Object.keys(v).length === 0 ? undefined : JSON.stringify(v);
  return String(v);
}

/** Django CharField: str(), strip(). */
function charField(v: unknown): string {
  return (pyStr(v) ?? '').trim();
}

/** Django ChoiceField: str(), no strip. */
function choiceField(v: unknown): string {
  return pyStr(v) ?? '';
}

/** Django IntegerField: `int(re.sub(r"\.0*\s*$", "", str(v)))`. */
function integerField(v: unknown): number | undefined | 'invalid' {
  const s = pyStr(v);
  if (s === undefined || s === '') return undefined;
  const stripped = s.replace(/\.0*\s*$/, '');
  if (!/^\s*[+-]?\d+(_\d+)*\s*$/.test(stripped)) return 'invalid';
  return Number(stripped.trim().replace(/_/g, ''));
}

/** Django BooleanField: 'false'/'0' are False, otherwise truthiness. */
function booleanField(v: unknown): boolean {
  if (typeof v === 'string') return !['false', '0', ''].includes(v.toLowerCase());
  return Boolean(v);
}

/** What `request.data.copy()` and `data["filetype"] = …` do to non-dict JSON bodies (docs/maas-upload-protocol.md#request-encoding). */
function pythonTypeError(value: unknown): string {
  if (Array.isArray(value)) return 'list indices must be integers or slices, not str';
  const type =
    value === null ? 'NoneType'
    : typeof value === 'string' ? 'str'
    : typeof value === 'boolean' ? 'bool'
    : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float')
    : 'object';
  return `'${type}' object has no attribute 'copy'`;
}

interface Cleaned {
  name: string;
  architecture: string;
  baseImage: string;
  title: string;
  filetype: string;
  sha256: string;
  size: number;
  keepOld: boolean;
  content: Buffer | undefined;
}

function ymd(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** `get_next_version_name`: `YYYYmmdd`, then `YYYYmmdd.<max index + 1>` (docs/maas-upload-protocol.md#same-name-and-architecture-twice step 3). */
function nextSetVersion(existing: readonly string[], nowMs: number): string {
  const day = ymd(nowMs);
  const same = existing.filter((v) => v.startsWith(day));
  if (same.length === 0) return day;
  let max = 0;
  for (const v of same) {
    const dot = v.indexOf('.');
    if (dot >= 0) max = Math.max(max, Number.parseInt(v.slice(dot + 1), 10) || 0);
  }
  return `${day}.${max + 1}`;
}

/** Collects Django's per-field messages; `failed(f)` says whether a field already has one. */
interface FormErrors {
  errors: Record<string, string[]>;
  fail(field: string, message: string): void;
}

/** BootResourceForm / BootResourceNoContentForm field cleaning (docs/maas-upload-protocol.md#fields, docs/maas-api.md#error-statuses-and-texts). */
function cleanForm(sim: SimContext, fields: Map<string, unknown>, content: Buffer | undefined): Cleaned {
  const errors: Record<string, string[]> = {};
  const form: FormErrors = { errors, fail: (field, message) => void (errors[field] ??= []).push(message) };
  const rawName = charField(fields.get('name'));
  const name = cleanName(sim, rawName, form);
  const architecture = cleanArchitecture(sim, choiceField(fields.get('architecture')), form);
  const baseImage = cleanBaseImage(sim, { rawName, name, architecture, given: charField(fields.get('base_image')) }, form);
  const title = charField(fields.get('title'));
  // filetype: ChoiceField; the handler injected `tgz` when absent (docs/maas-upload-protocol.md#request-encoding).
  const filetype = choiceField(fields.get('filetype'));
  if (filetype === '') form.fail('filetype', REQUIRED);
  else if (!FILETYPE_CHOICES.includes(filetype)) form.fail('filetype', `Select a valid choice. ${filetype} is not one of the available choices.`);
  const { sha256, size } = cleanHashAndSize(fields, content, form);
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { name, architecture, baseImage, title, filetype, sha256, size, keepOld: booleanField(fields.get('keep_old')), content };
}

/** name (docs/maas-upload-protocol.md#name-rules): required, max_length 255, then clean_name. */
function cleanName(sim: SimContext, rawName: string, form: FormErrors): string {
  if (rawName === '') form.fail('name', REQUIRED);
  else if (pyLen(rawName) > 255) form.fail('name', `Ensure this value has at most 255 characters (it has ${pyLen(rawName)}).`);
  if (form.errors.name) return rawName;
  if (rawName.includes('/')) {
    const parts = rawName.split('/');
    // `osystem, _ = name.split("/")` raises ValueError → 500 (docs/maas-upload-protocol.md#name-rules step 1).
    if (parts.length > 2) throw serverError(sim.era.tooManySlashes(parts.length));
    const os = parts[0]!;
    if (!sim.era.osystems.includes(os)) form.fail('name', `Unsupport operating system ${os}, supported operating systems: ${pyListRepr(sim.era.osystems)}`);
  }
  if (!form.errors.name) {
    const reserved = sim.era.osystems.includes(rawName) || sim.reservedNames.has(rawName) || /^centos\d\d?$/.test(rawName);
    if (reserved) form.fail('name', `${rawName} is a reserved name`);
  }
  // ≤3.7 strips `custom/`; 3.8 keeps it (docs/maas-upload-protocol.md#name-rules step 3).
  if (!form.errors.name && sim.era.stripsCustomPrefix && rawName.startsWith('custom/')) return rawName.slice('custom/'.length);
  return rawName;
}

/** architecture (docs/maas-upload-protocol.md#architecture-rules): ChoiceField over the usable architectures. */
function cleanArchitecture(sim: SimContext, architecture: string, form: FormErrors): string {
  if (architecture === '') form.fail('architecture', REQUIRED);
  else if (!sim.usableArchitectures.includes(architecture)) {
    const choices = sim.usableArchitectures.length ? sim.usableArchitectures.map((a) => `'${a}'`).join(', ') : "''";
    form.fail('architecture', `'${architecture}' is not a valid architecture.  It should be one of: ${choices}.`);
  }
  return architecture;
}

/** base_image (docs/maas-upload-protocol.md#base-image). */
function cleanBaseImage(sim: SimContext, f: { rawName: string; name: string; architecture: string; given: string }, form: FormErrors): string {
  const ignoresBaseImage = f.rawName.includes('/') && f.rawName.split('/')[0] !== 'custom';
  if (ignoresBaseImage) return '';
  if (f.given === '') {
    const existing =
      form.errors.name || form.errors.architecture
        ? undefined
        : sim.store.data.resources.find((r) => r.rtype === RTYPE_UPLOADED && r.name === f.name && r.architecture === f.architecture && r.baseImage);
    return existing?.baseImage ?? sim.era.defaultBaseImage;
  }
  const parts = f.given.split('/');
  if (parts.length !== 2) {
    form.fail('base_image', 'a base image must follow the format: <osystem>/<series>');
    return '';
  }
  const os = parts[0]!.toLowerCase();
  const series = parts[1]!.toLowerCase();
  if (!sim.era.baseImageOsystems.includes(os)) form.fail('base_image', 'custom images require a valid non-custom OS type base image');
  else if (!sim.era.osystems.includes(os) || series === '' || (os === 'ubuntu' && !UBUNTU_SERIES.includes(series))) {
    form.fail('base_image', 'please select a valid base image OS and version');
  } else return `${os}/${series}`;
  return '';
}

/** sha256 and size: computed from a `content` part (≤3.7), else the NoContentForm's fields. */
function cleanHashAndSize(fields: Map<string, unknown>, content: Buffer | undefined, form: FormErrors): { sha256: string; size: number } {
  // ≤3.7 with a `content` part: sha256 and size are computed server-side (docs/maas-upload-protocol.md#request-encoding).
  if (content) return { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
  const sha256 = charField(fields.get('sha256'));
  if (sha256 === '') form.fail('sha256', REQUIRED);
  else if (pyLen(sha256) < 64) form.fail('sha256', `Ensure this value has at least 64 characters (it has ${pyLen(sha256)}).`);
  else if (pyLen(sha256) > 64) form.fail('sha256', `Ensure this value has at most 64 characters (it has ${pyLen(sha256)}).`);
  const parsed = integerField(fields.get('size'));
  if (parsed === undefined) form.fail('size', REQUIRED);
  else if (parsed === 'invalid') form.fail('size', 'Enter a whole number.');
  return { sha256, size: typeof parsed === 'number' ? parsed : 0 };
}

/** `POST boot-resources/` (docs/maas-upload-protocol.md#creating-the-resource). */
export async function createBootResource(sim: SimContext, req: HandlerRequest): Promise<SimResponse> {
  requireWriter(sim, req);
  const { fields, content } = formFields(sim, req);
  const c = cleanForm(sim, fields, content);
  const { store } = sim;

  // save(): a sha256 already stored with another size is a plain ValidationError → 400 text (docs/maas-upload-protocol.md#same-name-and-architecture-twice step 6).
  const clash =
    store.data.files.some((f) => f.sha256 === c.sha256 && f.size !== c.size) ||
    Object.values(store.data.largeFiles).some((lf) => lf.sha256 === c.sha256 && lf.totalSize !== c.size);
  if (clash) throw apiError(400, 'File already exists with sha256 that is of different size.');

  const filenameOnDisk = store.filenameOnDiskFor(c.sha256);
  // The whole image arrived in the create request: store it as a complete file (docs/maas-upload-protocol.md#the-answer last note).
  if (c.content) await writeFile(store.bytesPath(filenameOnDisk), c.content);

  // From here on the changes are synchronous, like one database transaction.
  const resource = uploadedResource(sim, c);
  const olderSets = store.setsOf(resource.id);
  const file = addSetAndFile(sim, resource, c, filenameOnDisk, olderSets);
  // Files of older sets go (unless keep_old); the sets stay, empty (docs/maas-upload-protocol.md#same-name-and-architecture-twice step 5).
  const orphans = c.keepOld ? [] : store.deleteFiles(store.data.files.filter((f) => olderSets.some((s) => s.id === f.setId)).map((f) => f.id));
  store.save();
  if (c.content && sim.era.era !== '3.4') sim.scheduleRegionSync(file.id);
  await unlinkQuietly(...orphans.flatMap((n) => [store.bytesPath(n), store.partialPath(n)]));
  return pistonJson(201, resourceToDict(sim, resource, true));
}

/** The request's fields as the form sees them, and a `content` part where the era reads one. */
function formFields(sim: SimContext, req: HandlerRequest): { fields: Map<string, unknown>; content: Buffer | undefined } {
  const fields = new Map<string, unknown>();
  let content: Buffer | undefined;
  if (req.data.kind === 'form') {
    for (const [k, v] of req.data.fields) fields.set(k, v);
    // 3.8 ignores a `content` part and requires sha256/size (docs/maas-upload-protocol.md#request-encoding).
    if (sim.era.acceptsContent) content = req.data.files.get('content')?.data;
  } else if (req.data.kind === 'json') {
    const v = req.data.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serverError(pythonTypeError(v));
    for (const [k, x] of Object.entries(v)) fields.set(k, x);
  } else {
    // piston leaves request.data = None for other content types (docs/maas-upload-protocol.md#request-encoding).
    throw serverError("'NoneType' object has no attribute 'copy'");
  }
  if (!fields.has('filetype')) fields.set('filetype', 'tgz');
  return { fields, content };
}

/** The uploaded resource of this name and architecture, created if new; its `extra` replaced. */
function uploadedResource(sim: SimContext, c: Cleaned): ResourceRow {
  const { store } = sim;
  let resource = store.data.resources.find((r) => r.rtype === RTYPE_UPLOADED && r.name === c.name && r.architecture === c.architecture);
  if (!resource) {
    resource = { id: store.nextId('resource'), rtype: RTYPE_UPLOADED, name: c.name, architecture: c.architecture, extra: {}, baseImage: '', lastDeployed: null } satisfies ResourceRow;
    store.data.resources.push(resource);
  }
  // `extra` is replaced; the base image is set only once (docs/maas-upload-protocol.md#base-image, #same-name-and-architecture-twice step 2).
  resource.extra = { subarches: c.architecture.split('/')[1] ?? '', title: c.title };
  if (!resource.baseImage) resource.baseImage = c.baseImage;
  return resource;
}

/** A new set with the upload's one file, and the era's byte bookkeeping for it. */
function addSetAndFile(sim: SimContext, resource: ResourceRow, c: Cleaned, filenameOnDisk: string, olderSets: readonly { version: string }[]): FileRow {
  const { store } = sim;
  const set = { id: store.nextId('set'), resourceId: resource.id, version: nextSetVersion(olderSets.map((s) => s.version), sim.now()), label: 'uploaded' };
  store.data.sets.push(set);
  const file: FileRow = {
    id: store.nextId('file'),
    setId: set.id,
    filename: UPLOAD_FILETYPES[c.filetype]!,
    filetype: storedFiletype(c.filetype),
    sha256: c.sha256,
    size: c.size,
    filenameOnDisk,
    sync: {},
  };
  store.data.files.push(file);
  if (sim.era.era === '3.4') {
    // ≤3.4 dedup: the new row points at the existing LargeFile, complete or not (docs/maas-upload-protocol.md#same-content-twice).
    const lf = store.data.largeFiles[filenameOnDisk];
    if (!lf) store.data.largeFiles[filenameOnDisk] = { sha256: c.sha256, totalSize: c.size, received: c.content ? c.size : 0 };
    else if (c.content) lf.received = lf.totalSize;
  } else if (c.content) {
    // A sync row with the full size for the receiving region (3.5–3.7, docs/maas-upload-protocol.md#the-answer).
    file.sync['0'] = c.size;
  }
  return file;
}

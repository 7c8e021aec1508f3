/**
 * What the runner needs to know about a template directory — ours (`packer/vmware-esxi`) or a
 * user's (e.g. a packer-maas `vmware-esxi/` checkout): its format, declared variables, which
 * files carry `packer {}` blocks, the disk size, and host features it relies on. Read from the
 * files themselves so the module stays generic (docs/packer.md).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PackerError } from '../errors/index.js';
import { topLevelBlocks } from './hcl-blocks.js';

export interface TemplateVariable {
  name: string;
  /** false → Packer fails with "Unset variable" unless a value is passed. */
  hasDefault: boolean;
  /** The default as written, when it is a literal (`"1h"`, `32768`). */
  literalDefault?: string;
  file: string;
}

export interface TemplateInfo {
  /** Absolute directory holding the template. */
  dir: string;
  format: 'hcl2' | 'json';
  /** Argument for `packer build`, relative to the build directory: `.` for HCL2 directories. */
  templateArg: string;
  /** Template file names (relative to `dir`). */
  templateFiles: string[];
  variables: TemplateVariable[];
  /** Files consisting only of `packer {}` blocks, e.g. `plugins.pkr.hcl` (only for Packer ≥ 1.10). */
  pluginFiles: string[];
  /** Other files that also contain a `packer {}` block (packer-maas puts it in the main file). */
  packerBlockFiles: string[];
  /** `*.auto.pkrvars.*` present: variables may get values we cannot see. */
  hasAutoVarFiles: boolean;
  /** Target disk size of the qemu source, when it can be read. */
  diskSizeMiB?: number;
  memoryMiB?: number;
  /** Relative or absolute path of a `-serial file:PATH` console log. */
  consoleLog?: string;
  /** `-serial stdio`: the console only reaches Packer's debug log (docs/packer.md). */
  serialStdio: boolean;
  /** Mentions fusefat/nbdfuse/fuse-nbd… — packer-maas's post-processing since 2023 (packer-maas `scripts/fuse-nbd`). */
  needsFuse: boolean;
  /** Uses the nbd kernel module (`qemu-nbd -c`, `modprobe nbd`, `/dev/nbd`) — pre-2023 packer-maas. */
  needsNbd: boolean;
  usesQemu: boolean;
  /** Runs python3 (our scripts/*.py, or inline `python3 …`). */
  needsPython: boolean;
  /** Uses mtools (mformat/mcopy…) — our kickstart stick and curtin hook install, packer-maas usb.img. */
  needsMtools: boolean;
  /** `output` of compress post-processors. */
  compressOutputs: string[];
  /**
   * `required_version` of each `packer {}` block (legacy JSON: `min_packer_version`), with
   * whether its file holds nothing else (such files are left out for Packer < 1.10, see
   * build-dir.ts). Packer < 1.10 never sees the constraints we strip, so the plan checks them.
   */
  requiredVersions: { file: string; constraint: string; pluginOnly: boolean }[];
  /**
   * The qemu accelerator: a literal (`kvm`, `tcg`) or the variable that holds it. Unset means
   * Packer's default (kvm when available, else tcg), so /dev/kvm is required only for `kvm`.
   */
  accelerator?: { value?: string; variable?: string };
  /** qemuargs ask for KVM whatever the accelerator (`-enable-kvm`, `-cpu host`). */
  qemuArgsNeedKvm: boolean;
  /** A literal `output_directory` of the qemu source (Packer creates it; default `output-<name>`). */
  outputDirectory?: string;
}

export async function readTemplateInfo(templatePath: string): Promise<TemplateInfo> {
  const found = await locateTemplate(templatePath);
  const { dir, entries, format, templateFiles, templateArg } = found;
  const info: TemplateInfo = {
    dir,
    format,
    templateArg,
    templateFiles,
    variables: [],
    pluginFiles: [],
    packerBlockFiles: [],
    hasAutoVarFiles: entries.some((f) => /\.auto\.pkrvars\.(hcl|json)$/.test(f)),
    serialStdio: false,
    needsFuse: false,
    needsNbd: false,
    usesQemu: false,
    needsPython: false,
    needsMtools: false,
    compressOutputs: [],
    requiredVersions: [],
    qemuArgsNeedKvm: false,
  };
  const texts: string[] = [];
  const qemuSources: string[] = [];
  for (const file of templateFiles) {
    const text = await readFile(join(dir, file), 'utf8');
    texts.push(text);
    if (file.endsWith('.pkr.hcl')) qemuSources.push(...readHclFile(info, file, text));
    else if (file.endsWith('.pkr.json')) readHclJsonFile(info, file, text);
    else readLegacyJson(info, file, text);
  }
  // After all files: a source may use a variable declared in another file.
  for (const body of qemuSources) readQemuSource(info, body);
  const helpers = await readHelpers(found);
  info.needsPython = /\bpython3\b/.test(texts.join('\n')) || helpers.hasPythonScripts;
  readToolNeeds(info, [...texts, ...helpers.texts].join('\n'));
  return info;
}

interface LocatedTemplate {
  dir: string;
  isDirectory: boolean;
  entries: string[];
  format: TemplateInfo['format'];
  templateFiles: string[];
  templateArg: string;
}

/** The template's directory and files: HCL2 files, else the one JSON file with "builders". */
async function locateTemplate(templatePath: string): Promise<LocatedTemplate> {
  const abs = resolve(templatePath);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new PackerError(`template directory ${abs} does not exist`, {
      code: 'TEMPLATE_NOT_FOUND',
      hint: 'Pass --template DIR pointing at a directory with *.pkr.hcl files (or a JSON template).',
    });
  }
  const isDirectory = st.isDirectory();
  const dir = isDirectory ? abs : dirname(abs);
  const entries = isDirectory ? await readdir(dir) : [basename(abs)];
  const hclFiles = entries.filter((f) => f.endsWith('.pkr.hcl') || f.endsWith('.pkr.json')).sort();
  if (hclFiles.length > 0) return { dir, isDirectory, entries, format: 'hcl2', templateFiles: hclFiles, templateArg: isDirectory ? '.' : basename(abs) };
  const jsonTemplates: string[] = [];
  for (const f of entries.filter((e) => e.endsWith('.json'))) {
    const parsed = await readJson(join(dir, f));
    if (parsed && typeof parsed === 'object' && 'builders' in parsed) jsonTemplates.push(f);
  }
  if (jsonTemplates.length !== 1) {
    throw new PackerError(
      jsonTemplates.length === 0 ? `no Packer template (*.pkr.hcl or JSON with "builders") in ${dir}` : `several JSON templates in ${dir}: ${jsonTemplates.join(', ')}`,
      { code: 'TEMPLATE_NOT_FOUND', hint: 'Pass --template with a directory holding one template, or the template file itself.' },
    );
  }
  return { dir, isDirectory, entries, format: 'json', templateFiles: jsonTemplates, templateArg: jsonTemplates[0]! };
}

/** Helpers next to the template tell us about tool needs too (packer-maas post.sh and Makefile, our scripts/*.py). */
async function readHelpers(t: LocatedTemplate): Promise<{ texts: string[]; hasPythonScripts: boolean }> {
  const texts: string[] = [];
  for (const f of t.entries.filter((e) => e.endsWith('.sh') || e === 'Makefile')) texts.push(await readFile(join(t.dir, f), 'utf8').catch(() => ''));
  const scriptsDir = join(t.dir, 'scripts');
  const scripts = t.isDirectory ? await readdir(scriptsDir).catch(() => [] as string[]) : [];
  for (const f of scripts.filter((e) => /\.(py|sh)$/.test(e))) texts.push(await readFile(join(scriptsDir, f), 'utf8').catch(() => ''));
  return { texts, hasPythonScripts: scripts.some((f) => f.endsWith('.py')) };
}

/** Tools, console and compress outputs, from the template and its helpers' text. */
function readToolNeeds(info: TemplateInfo, all: string): void {
  info.needsMtools = /\bm(?:copy|format|mdir|mmd|type)\b/.test(all);
  info.needsFuse = /\b(fusefat|fuse2fs|nbdfuse|fusermount|fuse-nbd)\b/.test(all);
  info.needsNbd = /qemu-nbd\s+(?:-c|--connect)\b|modprobe\s+nbd\b|\/dev\/nbd/.test(all);
  info.usesQemu ||= /"qemu"/.test(all);
  const serial = /"-serial"\s*,\s*"(file:[^"]+|stdio)"/.exec(all);
  if (serial?.[1] === 'stdio') info.serialStdio = true;
  // A literal path only; `file:${local.serial_log}` is computed by Packer (the runner then sets
  // the template's `serial_log` variable itself, see prepare-steps.ts consoleFiles).
  else if (serial?.[1] && !serial[1].includes('${')) info.consoleLog = serial[1].slice('file:'.length);
  for (const m of all.matchAll(/post-processor"?\s+"compress"\s*\{[^}]*?\boutput\s*=\s*"([^"]+)"/g)) info.compressOutputs.push(m[1] ?? '');
}

/** Records variables and `packer {}` blocks; returns the bodies of `source "qemu"` blocks. */
function readHclFile(info: TemplateInfo, file: string, text: string): string[] {
  const qemu: string[] = [];
  const blocks = topLevelBlocks(text);
  const packerBlocks = blocks.filter((b) => b.type === 'packer');
  if (packerBlocks.length > 0) {
    const pluginOnly = packerBlocks.length === blocks.length;
    (pluginOnly ? info.pluginFiles : info.packerBlockFiles).push(file);
    for (const b of packerBlocks) {
      const constraint = /^\s*required_version\s*=\s*"([^"]*)"/m.exec(b.body)?.[1];
      if (constraint) info.requiredVersions.push({ file, constraint, pluginOnly });
    }
  }
  for (const b of blocks) {
    if (b.type === 'variable' && b.labels[0]) {
      const def = /^\s*default\s*=\s*(.+?)\s*$/m.exec(b.body);
      const v: TemplateVariable = { name: b.labels[0], hasDefault: !!def, file };
      const lit = def ? literal(def[1] ?? '') : undefined;
      if (lit !== undefined) v.literalDefault = lit;
      info.variables.push(v);
    }
    if (b.type === 'variables') {
      // `variables { name = default }` — every attribute is a variable with a default.
      for (const m of b.body.matchAll(/^\s*([A-Za-z_][\w-]*)\s*=/gm)) info.variables.push({ name: m[1] ?? '', hasDefault: true, file });
    }
    if (b.type === 'source' && b.labels[0] === 'qemu') qemu.push(b.body);
  }
  return qemu;
}

function readQemuSource(info: TemplateInfo, body: string): void {
  info.usesQemu = true;
  const disk = /^\s*disk_size\s*=\s*(.+?)\s*$/m.exec(body)?.[1];
  const size = disk === undefined ? undefined : sizeMiB(resolveVarRef(info, disk));
  if (size !== undefined) info.diskSizeMiB = Math.max(info.diskSizeMiB ?? 0, size);
  const accel = /^\s*accelerator\s*=\s*(.+?)\s*$/m.exec(body)?.[1];
  if (accel !== undefined) {
    const ref = /^(?:var\.([\w-]+)|"\$\{var\.([\w-]+)\}")$/.exec(accel);
    const variable = ref?.[1] ?? ref?.[2];
    const value = variable ? info.variables.find((v) => v.name === variable)?.literalDefault : literal(accel);
    info.accelerator = { ...(value !== undefined ? { value } : {}), ...(variable ? { variable } : {}) };
  }
  if (/"-enable-kvm"|"-cpu"\s*,\s*"host"/.test(body)) info.qemuArgsNeedKvm = true;
  const outDir = /^\s*output_directory\s*=\s*"([^"$]+)"\s*$/m.exec(body)?.[1];
  if (outDir) info.outputDirectory = outDir;
  const mem = /^\s*memory\s*=\s*(.+?)\s*$/m.exec(body)?.[1];
  const memory = mem === undefined ? NaN : Number(resolveVarRef(info, mem));
  if (Number.isFinite(memory) && memory > 0) info.memoryMiB = Math.max(info.memoryMiB ?? 0, memory);
}

function readHclJsonFile(info: TemplateInfo, file: string, text: string): void {
  const parsed = safeJson(text) as { variable?: Record<string, { default?: unknown }>; packer?: unknown; source?: Record<string, unknown> } | undefined;
  if (!parsed) return;
  for (const [name, def] of Object.entries(parsed.variable ?? {})) {
    const v: TemplateVariable = { name, hasDefault: def !== null && typeof def === 'object' && 'default' in def, file };
    if (typeof def?.default === 'string' || typeof def?.default === 'number') v.literalDefault = String(def.default);
    info.variables.push(v);
  }
  const keys = Object.keys(parsed);
  if (parsed.packer !== undefined) (keys.length === 1 ? info.pluginFiles : info.packerBlockFiles).push(file);
  if (parsed.source && typeof parsed.source === 'object' && 'qemu' in parsed.source) info.usesQemu = true;
}

function readLegacyJson(info: TemplateInfo, file: string, text: string): void {
  const parsed = safeJson(text) as { variables?: Record<string, unknown>; builders?: Record<string, unknown>[]; min_packer_version?: unknown } | undefined;
  if (!parsed) return;
  if (typeof parsed.min_packer_version === 'string') info.requiredVersions.push({ file, constraint: `>= ${parsed.min_packer_version}`, pluginOnly: false });
  for (const [name, def] of Object.entries(parsed.variables ?? {})) {
    const v: TemplateVariable = { name, hasDefault: def !== null, file };
    if (typeof def === 'string' || typeof def === 'number') v.literalDefault = String(def);
    info.variables.push(v);
  }
  for (const b of parsed.builders ?? []) {
    if (b['type'] !== 'qemu') continue;
    info.usesQemu = true;
    const accel = resolveJsonVar(info, b['accelerator']);
    if (accel) info.accelerator = { value: accel };
    if (/"-enable-kvm"|"-cpu"\s*,\s*"host"/.test(JSON.stringify(b['qemuargs'] ?? []))) info.qemuArgsNeedKvm = true;
    const size = sizeMiB(resolveJsonVar(info, b['disk_size']));
    if (size !== undefined) info.diskSizeMiB = Math.max(info.diskSizeMiB ?? 0, size);
    const memory = Number(resolveJsonVar(info, b['memory']));
    if (Number.isFinite(memory) && memory > 0) info.memoryMiB = Math.max(info.memoryMiB ?? 0, memory);
  }
}

/** `var.x` / `"${var.x}"` → the variable's literal default; otherwise the expression as is. */
function resolveVarRef(info: TemplateInfo, expr: string): string {
  const ref = /^(?:var\.([\w-]+)|"\$\{var\.([\w-]+)\}")$/.exec(expr.trim());
  const name = ref?.[1] ?? ref?.[2];
  if (name) return info.variables.find((v) => v.name === name)?.literalDefault ?? '';
  return literal(expr) ?? expr;
}

function resolveJsonVar(info: TemplateInfo, value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return '';
  const ref = /^\{\{\s*user\s+`([\w-]+)`\s*\}\}$/.exec(value);
  if (ref) return info.variables.find((v) => v.name === ref[1])?.literalDefault ?? '';
  return value;
}

function literal(expr: string): string | undefined {
  const s = /^"((?:[^"\\$]|\\.)*)"$/.exec(expr.trim());
  if (s) return s[1];
  if (/^\d+(\.\d+)?$/.test(expr.trim())) return expr.trim();
  return undefined;
}

/** Packer's qemu `disk_size`: a number is MiB; a string may carry K/M/G/T (default M). */
export function sizeMiB(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])?i?B?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  switch ((m[2] ?? 'M').toUpperCase()) {
    case 'K':
      return Math.ceil(n / 1024);
    case 'G':
      return n * 1024;
    case 'T':
      return n * 1024 * 1024;
    default:
      return n;
  }
}

async function readJson(path: string): Promise<unknown> {
  return safeJson(await readFile(path, 'utf8').catch(() => ''));
}
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

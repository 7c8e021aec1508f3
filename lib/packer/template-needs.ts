/**
 * What a template needs on disk and on PATH before `packer build` can succeed, read from the
 * template, the scripts its post-processors source, and the Makefile beside it.
 *
 * packer-maas's `vmware-esxi/` is the case this exists for (docs/packer.md): its qemuargs attach
 * `usb.img` (`-drive file=usb.img,…`), its shell-local post-processor sources `../scripts/fuse-nbd`
 * and `./post.sh`, which copies `scripts.tar.xz` into the image, and its Makefile makes `usb.img`
 * and `scripts.tar.xz` before running Packer (`vmware-esxi/Makefile`, targets `usb.img`,
 * `scripts.tar.xz`, `vmware-esxi.dd.gz`). Run without `make`, Packer starts and qemu stops at once
 * with "Could not open 'usb.img'". Reading these references lets the plan say so first.
 */
import { readFile, stat } from 'node:fs/promises';
import { exists } from '../fs/exists.js';
import { basename, dirname, join, resolve } from 'node:path';
import type { TemplateInfo } from './template-info.js';

export interface TemplateFileNeed {
  /** As written in the template: relative to the template directory (Packer's cwd). */
  path: string;
  /** Where it is referenced, e.g. `vmware-esxi.pkr.hcl (qemuargs)`, `post.sh`. */
  referencedBy: string;
  exists: boolean;
  /** The Makefile beside the template has a rule that makes it. */
  makeRule?: MakeRule;
  /**
   * maas-esxi can make it without root or network (`prepare`): a FAT image holding these files
   * of the template directory, as the rule's `mformat`/`mcopy` recipe does.
   */
  fatImage?: { sizeMiB: number; files: string[] };
}

export interface MakeRule {
  /** Programs its recipe runs that the host must have (dd, parted, mtools, pip…). */
  tools: string[];
  /** The recipe downloads (pip install from PyPI, curl, wget). */
  needsNetwork: boolean;
}

export interface TemplateTool {
  name: string;
  /** Debian/Ubuntu package that provides it. */
  debianPackage: string;
  /** The file whose commands run it during the build. */
  usedBy: string;
}

export interface TemplateNeeds {
  files: TemplateFileNeed[];
  /** Programs the build's own scripts (shell-local post-processors and what they source) run. */
  tools: TemplateTool[];
  /** Absolute path of the Makefile beside the template, if any. */
  makefile?: string;
}

/** Programs packer-maas's build scripts run, and where Debian/Ubuntu ship them. */
const TOOL_PACKAGES: Record<string, string> = {
  'qemu-nbd': 'qemu-utils',
  'qemu-img': 'qemu-utils',
  nbdkit: 'nbdkit',
  nbdfuse: 'libnbd-bin',
  fusefat: 'fusefat',
  fuse2fs: 'fuse2fs',
  fusermount: 'fuse3',
  parted: 'parted',
  sgdisk: 'gdisk',
  xz: 'xz-utils',
  // python3 and mtools have checks of their own (prerequisites.ts).
};
/** Programs a Makefile recipe may run, for the "needs" part of its fix. */
const RECIPE_TOOLS = ['dd', 'parted', 'mformat', 'mcopy', 'python3', 'pip', 'tar', 'xz', 'sgdisk', 'qemu-img'];
/** qemu switches whose value is a file the VM opens. */
const QEMU_FILE_SWITCHES = ['cdrom', 'fda', 'fdb', 'hda', 'hdb', 'kernel', 'initrd'];
/** Sourced scripts are followed this many levels deep (template → fuse-nbd/post.sh → …). */
const SOURCE_DEPTH = 3;

export async function readTemplateNeeds(template: TemplateInfo): Promise<TemplateNeeds> {
  const dir = template.dir;
  const refs = new Map<string, string>();
  const scriptTexts: { file: string; text: string }[] = [];
  const addRef = (path: string, by: string): void => {
    if (!path || /\$\{|\{\{|\$\(/.test(path) || underOutputDir(path, template)) return;
    if (!refs.has(path)) refs.set(path, by);
  };

  for (const file of template.templateFiles) {
    const text = stripComments(await readFile(join(dir, file), 'utf8').catch(() => ''));
    for (const path of qemuArgFiles(text)) addRef(path, `${file} (qemuargs)`);
    for (const path of sourcedFiles(text)) addRef(path, `${file} (post-processor)`);
    for (const path of scriptAttributes(text)) addRef(path, `${file} (post-processor)`);
    scriptTexts.push({ file, text });
  }
  // Scripts the post-processors source run in Packer's cwd too: follow them.
  let frontier = [...refs].filter(([, by]) => by.endsWith('(post-processor)')).map(([path]) => path);
  for (let depth = 0; depth < SOURCE_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const path of frontier) {
      const text = await readScript(resolve(dir, path));
      if (text === undefined) continue;
      scriptTexts.push({ file: path, text });
      for (const sourced of shellSourcedFiles(text)) {
        if (refs.has(sourced)) continue;
        addRef(sourced, path);
        next.push(sourced);
      }
    }
    frontier = next;
  }

  const makefilePath = join(dir, 'Makefile');
  const makefile = await readFile(makefilePath, 'utf8').catch(() => undefined);
  const rules = makefile === undefined ? new Map<string, Rule>() : parseMakefile(makefile);
  // What the Makefile makes before it runs Packer, and its file targets the scripts mention.
  const buildRule = [...rules.values()].find((r) => /(?:^|\s|\})\s*packer\s+build\b|\$[({]PACKER[)}]\s+build\b/i.test(r.recipe));
  for (const [target] of rules) {
    if (!isFileRule(rules, target) || target === buildRule?.target) continue;
    const mention = new RegExp(`(?:^|[\\s"'/=])${escapeRegExp(target)}(?=[\\s"',;)]|$)`, 'm');
    const user = scriptTexts.find((s) => mention.test(s.text));
    if (user) addRef(target, user.file);
  }
  for (const prereq of buildRule?.prerequisites ?? []) if (isFileRule(rules, prereq)) addRef(prereq, 'Makefile (made before packer build)');

  const files = await fileNeeds(refs, rules, dir);
  return { files, tools: toolsUsed(scriptTexts), ...(makefile !== undefined ? { makefile: makefilePath } : {}) };
}

/** Each referenced file: whether it exists, and how the Makefile makes it. */
async function fileNeeds(refs: ReadonlyMap<string, string>, rules: ReadonlyMap<string, Rule>, dir: string): Promise<TemplateFileNeed[]> {
  const files: TemplateFileNeed[] = [];
  for (const [path, referencedBy] of refs) {
    const need: TemplateFileNeed = { path, referencedBy, exists: await exists(resolve(dir, path)) };
    const rule = rules.get(path);
    if (rule) {
      need.makeRule = recipeNeeds(rule.recipe);
      const image = await fatImageRecipe(rule, dir);
      if (image) need.fatImage = image;
    }
    files.push(need);
  }
  return files;
}

/** The host programs (with their Debian packages) the template's scripts run, each once. */
function toolsUsed(scriptTexts: readonly { file: string; text: string }[]): TemplateTool[] {
  const tools: TemplateTool[] = [];
  for (const { file, text } of scriptTexts) {
    for (const [name, debianPackage] of Object.entries(TOOL_PACKAGES)) {
      if (tools.some((t) => t.name === name)) continue;
      if (new RegExp(`(?:^|[\\s;|&("'])${escapeRegExp(name)}(?=[\\s;|&)]|$)`, 'm').test(commandText(text))) tools.push({ name, debianPackage, usedBy: file });
    }
  }
  return tools;
}

/** `["-drive", "file=usb.img,if=none,…"]`, `["-cdrom", "x.iso"]` → the file paths. */
function qemuArgFiles(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"-drive"\s*,\s*"([^"]*)"/g)) {
    const file = /(?:^|,)file=([^,]+)/.exec(m[1] ?? '')?.[1];
    if (file) out.push(file);
  }
  const switches = QEMU_FILE_SWITCHES.join('|');
  for (const m of text.matchAll(new RegExp(`"-(?:${switches})"\\s*,\\s*"([^"]+)"`, 'g'))) if (m[1]) out.push(m[1]);
  return out;
}

/** `"source ../scripts/fuse-nbd"`, `". ./post.sh"` inside inline script strings. */
function sourcedFiles(text: string): string[] {
  return [...text.matchAll(/"[ \t]*(?:source|\.)[ \t]+([^\s";=]+)[ \t]*"/g)].map((m) => m[1] ?? '');
}

/** shell-local `script = "x.sh"` / `scripts = ["a.sh", "b.sh"]`. */
function scriptAttributes(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bscript"?\s*[=:]\s*"([^"]+)"/g)) if (m[1]) out.push(m[1]);
  for (const m of text.matchAll(/\bscripts"?\s*[=:]\s*\[([^\]]*)\]/g)) for (const s of (m[1] ?? '').matchAll(/"([^"]+)"/g)) if (s[1]) out.push(s[1]);
  return out;
}

/** `source ./post.sh` / `. lib.sh` lines of a shell script. */
function shellSourcedFiles(text: string): string[] {
  return [...text.matchAll(/^\s*(?:source|\.)\s+["']?([^\s"';]+)/gm)].map((m) => m[1] ?? '');
}

/** Packer makes `output_directory` (default `output-<source name>`) itself. */
function underOutputDir(path: string, template: TemplateInfo): boolean {
  const first = path.replace(/^\.\//, '').split('/')[0] ?? '';
  return /^output-/.test(first) || (template.outputDirectory !== undefined && first === template.outputDirectory.replace(/^\.\//, '').split('/')[0]);
}

interface Rule {
  target: string;
  prerequisites: string[];
  recipe: string;
}

/** Explicit rules of a Makefile (enough for packer-maas's: no pattern rules needed). */
function parseMakefile(text: string): Map<string, Rule> & { phony?: Set<string> } {
  const rules = new Map<string, Rule>() as Map<string, Rule> & { phony?: Set<string> };
  const phony = new Set<string>();
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  let current: Rule[] = [];
  for (const line of lines) {
    if (line.startsWith('\t')) {
      for (const r of current) r.recipe += `${line.slice(1)}\n`;
      continue;
    }
    current = [];
    const m = /^([^\s:#=$][^:=#]*?)\s*:(?![:=])\s*([^;#]*)/.exec(line);
    if (!m) continue;
    const targets = (m[1] ?? '').split(/\s+/).filter(Boolean);
    const prerequisites = (m[2] ?? '').split(/\s+/).filter(Boolean);
    if (targets[0] === '.PHONY') {
      prerequisites.forEach((p) => phony.add(p));
      continue;
    }
    for (const target of targets) {
      if (target.startsWith('.') || target.includes('%')) continue;
      const rule = rules.get(target) ?? { target, prerequisites: [], recipe: '' };
      rule.prerequisites.push(...prerequisites);
      rules.set(target, rule);
      current.push(rule);
    }
  }
  for (const p of phony) rules.delete(p);
  rules.phony = phony;
  return rules;
}

function isFileRule(rules: Map<string, Rule>, name: string): boolean {
  return rules.has(name) && !name.includes('$') && name !== 'all';
}

function recipeNeeds(recipe: string): MakeRule {
  const text = commandText(recipe);
  const tools = RECIPE_TOOLS.filter((t) => new RegExp(`(?:^|[\\s;|&(/])${escapeRegExp(t)}(?=[\\s;|&)]|$)`, 'm').test(text));
  const needsNetwork = /\bpip3?\s+install\b(?![^\n]*--no-index)|-m\s+pip\s+install\b(?![^\n]*--no-index)|\b(?:curl|wget)\s/.test(text);
  return { tools, needsNetwork };
}

/**
 * `dd … bs=1M count=32` + `mformat -i usb.img@@1M ::` + `mcopy -i usb.img@@1M KS.CFG ::`
 * (packer-maas `vmware-esxi/Makefile`, target `usb.img`): a FAT image of template files, which
 * maas-esxi can write without parted or root. Anything else in the recipe (or a copied file that
 * is not in the template directory) makes it not ours to imitate.
 */
async function fatImageRecipe(rule: Rule, dir: string): Promise<{ sizeMiB: number; files: string[] } | undefined> {
  const lines = rule.recipe.split('\n').map((l) => l.replace(/^[@-]+/, '').trim()).filter(Boolean);
  if (!lines.some((l) => l.startsWith('mformat ')) || !lines.some((l) => l.startsWith('mcopy '))) return undefined;
  if (!lines.every((l) => /^(?:dd|parted|mformat|mcopy|truncate|rm)\s/.test(l))) return undefined;
  const files: string[] = [];
  for (const l of lines.filter((x) => x.startsWith('mcopy '))) {
    const args = l.split(/\s+/).slice(1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '-i' && !a.startsWith('::'));
    files.push(...args);
  }
  if (files.length === 0) return undefined;
  for (const f of files) if (f.includes('$') || !(await exists(resolve(dir, f)))) return undefined;
  const dd = lines.find((l) => l.startsWith('dd '));
  const count = Number(/\bcount=(\d+)/.exec(dd ?? '')?.[1] ?? NaN);
  const bs = /\bbs=(\d+)([KMG])?/i.exec(dd ?? '');
  const blockMiB = bs ? Number(bs[1]) * ({ K: 1 / 1024, M: 1, G: 1024 }[(bs[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 1 / 1048576) : NaN;
  const sizeMiB = Number.isFinite(count * blockMiB) && count * blockMiB >= 2 ? Math.ceil(count * blockMiB) : 32;
  return { sizeMiB, files };
}

/** Shell text without `# comments` and without `echo '…'`/`echo "…"` messages naming tools. */
function commandText(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '$1').replace(/\becho\s+(['"]).*?\1/g, 'echo'))
    .join('\n');
}

function stripShellComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}

function stripComments(text: string): string {
  return text.replace(/^\s*(?:#|\/\/).*$/gm, '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A text file small enough to be a script; undefined for images, binaries and missing files. */
async function readScript(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile() || st.size > 1024 * 1024) return undefined;
  const text = await readFile(path, 'utf8');
  return text.includes('\0') ? undefined : stripShellComments(text);
}


/** `…/packer-maas/vmware-esxi` → `cd …/packer-maas/vmware-esxi && make usb.img scripts.tar.xz`. */
export function makeCommand(template: Pick<TemplateInfo, 'dir'>, targets: string[]): string {
  return `cd ${shellQuote(template.dir)} && make ${targets.map(shellQuote).join(' ')}`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** For messages: `../scripts/fuse-nbd` seen from `…/vmware-esxi` is `…/scripts/fuse-nbd`. */
export function describeMissing(template: Pick<TemplateInfo, 'dir'>, need: TemplateFileNeed): string {
  const abs = resolve(template.dir, need.path);
  return dirname(abs) === template.dir ? basename(abs) : abs;
}

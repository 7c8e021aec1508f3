/**
 * A fresh build directory per run: Packer resolves every relative path against its cwd
 * (docs/packer.md), writes `output-<source>/` and the `.dd.gz`
 * there, and packer-maas templates reach up to `../scripts/`. Layout:
 *
 *   <workDir>/maas-esxi-build-XXXXXX/
 *     <template dir name>/   copy of the template (Packer's cwd), adapted to the Packer version
 *     <sibling> -> …         symlinks for `../<sibling>` paths the template uses
 *     tmp/                   TMPDIR and PACKER_TMP_DIR (Packer's shell scripts, FUSE mount points)
 *
 * Adapting to the version (docs/packer.md): Packer < 1.10 uses its built-in qemu builder and rejects (1.6.6)
 * or needs `packer init` for `required_plugins`, so plugin-only files (`plugins.pkr.hcl`) are left
 * out and `packer {}` blocks elsewhere are removed; Packer ≥ 1.10 gets the template unchanged.
 */
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { exists } from '../fs/exists.js';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { PackerError } from '../errors/index.js';
import { removeBlocks, topLevelBlocks } from './hcl-blocks.js';
import { unmountUnder } from './leftovers.js';
import type { PackerInstallation } from './packer-version.js';
import type { TemplateInfo } from './template-info.js';

export interface BuildDir {
  /** The mkdtemp directory. */
  root: string;
  /** Packer's cwd: the template copy. */
  cwd: string;
  /** TMPDIR for Packer and its children: `root/tmp`, or a short directory elsewhere (see below). */
  tmp: string;
  /** Directories to remove at the end (root, and tmp when it is outside root). */
  paths: string[];
  /** What was adapted, for 'log' events. */
  notes: string[];
}

/**
 * Packer's plugins talk over UNIX sockets in TMPDIR (`$TMPDIR/packer-plugin1234567890`) and
 * packer-maas puts `qemu-img.sock` two levels below it; a socket path over 107 bytes fails to
 * bind and Packer 1.6.6 crashes (verified: "listen unix …: bind: invalid argument", then a
 * panic). So TMPDIR must stay short whatever the work directory is.
 */
const MAX_TMP_PATH = 60;

/** Files bigger than this are linked, not copied (an ISO or disk image lying in the template dir). */
const COPY_LIMIT = 64 * 1024 * 1024;
/** Build products of earlier runs in a user's checkout (packer-maas `make clean` list). */
const SKIP = [/^output-/, /^packer_cache$/, /\.dd(\.gz)?$/, /^\.ve$/, /^\.git$/, /^crash\.log$/, /^__pycache__$/];

export async function prepareBuildDir(template: TemplateInfo, packer: Pick<PackerInstallation, 'version' | 'needsPlugins'>, opts: { workDir?: string } = {}): Promise<BuildDir> {
  const parent = resolve(opts.workDir ?? tmpdir());
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, 'maas-esxi-build-'));
  const notes: string[] = [];
  const paths = [root];
  try {
    const cwd = join(root, basename(template.dir) || 'template');
    const tmp = await shortTmpDir(root);
    if (tmp !== join(root, 'tmp')) {
      paths.push(tmp);
      notes.push(`temporary files in ${tmp}: ${root} is too long a path for Packer's plugin sockets`);
    }
    await copyTree(template.dir, cwd, notes);

    if (!packer.needsPlugins) {
      for (const file of template.pluginFiles) {
        await rm(join(cwd, file), { force: true });
        notes.push(`Packer ${packer.version} has the qemu builder built in: left out ${file} (required_plugins is for Packer ≥ 1.10)`);
      }
      for (const file of template.packerBlockFiles) {
        await stripPackerBlock(join(cwd, file));
        notes.push(`Packer ${packer.version}: removed the packer {} block (required_version/required_plugins) from ${file}`);
      }
    }

    for (const sibling of await referencedSiblings(template)) {
      const target = join(dirname(template.dir), sibling);
      const link = join(root, sibling);
      if (link === cwd || link === tmp) continue;
      if (await exists(target, { followLinks: false })) await symlink(target, link);
    }
    return { root, cwd, tmp, paths, notes };
  } catch (err) {
    for (const p of paths) await rm(p, { recursive: true, force: true });
    throw err;
  }
}

async function shortTmpDir(root: string): Promise<string> {
  const inside = join(root, 'tmp');
  if (inside.length <= MAX_TMP_PATH) {
    await mkdir(inside);
    return inside;
  }
  for (const base of [tmpdir(), '/tmp']) {
    const prefix = join(base, 'maas-esxi-tmp-');
    if (prefix.length + 6 <= MAX_TMP_PATH) return mkdtemp(prefix);
  }
  throw new PackerError('no temporary directory with a short enough path for Packer\'s plugin sockets', {
    code: 'WORKDIR_PATH_TOO_LONG',
    hint: 'Set TMPDIR to a short path such as /tmp.',
  });
}

/**
 * Remove a build directory: unmount anything left mounted below it first (rm would otherwise
 * descend into a FUSE mount of the raw disk). Returns problems as text; never throws.
 */
export async function removeBuildDir(dir: Pick<BuildDir, 'paths'> | string): Promise<string[]> {
  const problems: string[] = [];
  for (const path of typeof dir === 'string' ? [dir] : dir.paths) {
    const stuck = await unmountUnder(path).catch(() => [] as string[]);
    if (stuck.length > 0) {
      problems.push(`could not unmount ${stuck.join(', ')}; left ${path} in place`);
      continue;
    }
    try {
      await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
    } catch (err) {
      problems.push(`could not remove ${path}: ${(err as Error).message}`);
    }
  }
  return problems;
}

async function copyTree(src: string, dest: string, notes: string[]): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (SKIP.some((re) => re.test(entry.name))) continue;
    const from = join(src, entry.name);
    const to = join(dest, entry.name);
    if (entry.isDirectory()) {
      await copyTree(from, to, notes);
    } else if (entry.isFile()) {
      const st = await lstat(from);
      if (st.size > COPY_LIMIT) {
        await symlink(from, to);
        notes.push(`linked ${entry.name} (${Math.round(st.size / 1048576)} MiB) instead of copying it`);
      } else {
        await copyFile(from, to);
      }
    } else if (entry.isSymbolicLink()) {
      // Keep relative links working by pointing at the original's resolved target.
      await symlink(resolve(src, entry.name), to);
    }
  }
}

async function stripPackerBlock(path: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  if (path.endsWith('.json')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    delete parsed['packer'];
    await writeFile(path, JSON.stringify(parsed, null, 2));
    return;
  }
  const blocks = topLevelBlocks(text).filter((b) => b.type === 'packer');
  await writeFile(path, removeBlocks(text, blocks, 'packer {} block removed by maas-esxi for this Packer version'));
}

/** `../scripts/fuse-nbd` → `scripts`: siblings of the template dir the template refers to. */
async function referencedSiblings(template: TemplateInfo): Promise<string[]> {
  const names = new Set<string>();
  const files = (await readdir(template.dir)).filter((f) => /\.(pkr\.hcl|pkr\.json|json|sh)$/.test(f) || f === 'Makefile');
  for (const f of files) {
    const text = await readFile(join(template.dir, f), 'utf8').catch(() => '');
    for (const m of text.matchAll(/(?:^|[\s"'=(:])\.\.\/([A-Za-z0-9_][\w.-]*)/g)) if (m[1]) names.add(m[1]);
  }
  return [...names];
}


/**
 * Plan a build once, then run the plan (as `bootResources.planUpload` does for uploads):
 * detect Packer, read the template and what it needs, inspect the ISO — each exactly once — and
 * judge the prerequisites from those facts. `maas-esxi doctor` prints the plan's checks; `build`
 * hands the same plan to `startPackerBuild`, which neither probes again nor starts Packer while a
 * check of severity `error` fails.
 *
 *   const plan = await planBuild({ iso, templateDir, prepare: true });
 *   for (const c of plan.checks) …;          // the doctor table
 *   assertBuildPlan(plan);                  // PrerequisiteError naming every fix
 *   const result = await startPackerBuild({ iso, templateDir, plan }).done();
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MaasAbortError, PrerequisiteError } from '../errors/index.js';
import { inspectIso, type IsoInfo } from './iso-inspect.js';
import { detectPacker, type PackerInstallation } from './packer-version.js';
import { PREREQUISITE_CHECKS, type PlanFacts, type PrerequisiteCheck } from './prerequisites.js';
import { defaultTemplateDir } from './template-dir.js';
import { readTemplateInfo, type TemplateInfo } from './template-info.js';
import { readTemplateNeeds, type TemplateNeeds } from './template-needs.js';

export interface PlanBuildOptions {
  /** The ESXi installer ISO; without it the ISO is not checked (`doctor`). */
  iso?: string;
  /** Default: our template, `<package>/packer/vmware-esxi`. */
  templateDir?: string;
  /** Where the image will be written. Default: the current directory. */
  outputDir?: string;
  /** Parent of the build directory (raw disk!). Default: the OS temp dir. */
  workDir?: string;
  /** Raw disk size; default: read from the template, else 32 GiB (ESXi ≥ 8 needs 32 GB). */
  diskSizeMiB?: number;
  /** Template variables the build will pass (`--var`). */
  vars?: Record<string, string>;
  /**
   * Make what the template needs when maas-esxi can do it without root or network — today a
   * FAT image of template files (packer-maas's `usb.img` with `KS.CFG`), in the build directory;
   * the template directory itself is never written.
   */
  prepare?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** A file the runner makes in the build directory before Packer starts (`prepare`). */
export interface PlannedFatImage {
  /** Relative to the template directory (and so to Packer's cwd in the build directory). */
  image: string;
  sizeMiB: number;
  /** Relative to the template directory. */
  files: string[];
}

export interface BuildPlanSummary {
  ok: boolean;
  checks: PrerequisiteCheck[];
  packer?: { path: string; version: string; needsPlugins: boolean };
  iso?: { volumeId: string; esxiVersion?: string; build?: string };
  template?: TemplateInfo;
}

export class BuildPlan {
  /** No failed check of severity `error`. */
  readonly ok: boolean;
  readonly checks: PrerequisiteCheck[];
  readonly packer: PackerInstallation | undefined;
  readonly template: TemplateInfo | undefined;
  readonly needs: TemplateNeeds | undefined;
  readonly iso: IsoInfo | undefined;
  /** Absolute path of the ISO the plan inspected. */
  readonly isoPath: string | undefined;
  readonly preparations: PlannedFatImage[];
  readonly outputDir: string;
  readonly workDir: string;

  constructor(facts: PlanFacts, checks: PrerequisiteCheck[]) {
    this.checks = checks;
    this.ok = checks.every((c) => c.ok || c.severity !== 'error');
    this.packer = facts.packer;
    this.template = facts.template;
    this.needs = facts.needs;
    this.iso = facts.iso;
    this.isoPath = facts.isoPath;
    this.outputDir = facts.outputDir;
    this.workDir = facts.workDir;
    this.preparations = facts.prepare
      ? (facts.needs?.files ?? []).filter((n) => !n.exists && n.fatImage).map((n) => ({ image: n.path, sizeMiB: n.fatImage!.sizeMiB, files: n.fatImage!.files }))
      : [];
  }

  get failed(): PrerequisiteCheck[] {
    return this.checks.filter((c) => !c.ok && c.severity === 'error');
  }

  get warnings(): PrerequisiteCheck[] {
    return this.checks.filter((c) => !c.ok && c.severity === 'warning');
  }

  /** What `doctor --json` prints: the checks and what was found (no environment, no signal). */
  toJSON(): BuildPlanSummary {
    const iso = this.iso;
    return {
      ok: this.ok,
      checks: this.checks,
      ...(this.packer ? { packer: { path: this.packer.path, version: this.packer.version, needsPlugins: this.packer.needsPlugins } } : {}),
      ...(iso ? { iso: { volumeId: iso.volumeId, ...(iso.esxiVersion ? { esxiVersion: iso.esxiVersion } : {}), ...(iso.build ? { build: iso.build } : {}) } } : {}),
      ...(this.template ? { template: this.template } : {}),
    };
  }
}

export async function planBuild(opts: PlanBuildOptions = {}): Promise<BuildPlan> {
  const signal = opts.signal;
  throwIfAborted(signal);
  const facts: PlanFacts = {
    env: opts.env ?? process.env,
    signal,
    templateDir: resolve(opts.templateDir ?? defaultTemplateDir()),
    vars: opts.vars ?? {},
    prepare: opts.prepare ?? false,
    outputDir: resolve(opts.outputDir ?? process.cwd()),
    workDir: resolve(opts.workDir ?? tmpdir()),
    ...(opts.diskSizeMiB !== undefined ? { diskSizeMiB: opts.diskSizeMiB } : {}),
  };
  const [packer, template, iso] = await Promise.allSettled([
    detectPacker({ env: facts.env, ...(signal ? { signal } : {}) }),
    readTemplateInfo(facts.templateDir),
    opts.iso === undefined ? Promise.resolve(undefined) : inspectIso(resolve(opts.iso)),
  ]);
  throwIfAborted(signal);
  if (packer.status === 'fulfilled') facts.packer = packer.value;
  else facts.packerError = packer.reason;
  if (template.status === 'fulfilled') {
    facts.template = template.value;
    facts.needs = await readTemplateNeeds(template.value);
  } else {
    facts.templateError = template.reason;
  }
  if (opts.iso !== undefined) {
    facts.isoPath = resolve(opts.iso);
    if (iso.status === 'fulfilled' && iso.value) facts.iso = iso.value;
    else if (iso.status === 'rejected') facts.isoError = iso.reason;
  }
  const checks: PrerequisiteCheck[] = [];
  for (const check of PREREQUISITE_CHECKS) {
    throwIfAborted(signal);
    const result = await check(facts);
    if (result) checks.push(result);
  }
  throwIfAborted(signal);
  return new BuildPlan(facts, checks);
}

/**
 * Throw one PrerequisiteError (code PREREQUISITES, CLI exit 1) naming every failed check of
 * severity `error`, its detail and its fix — before anything is started or written.
 */
export function assertBuildPlan(plan: BuildPlan): void {
  const failed = plan.failed;
  if (failed.length === 0) return;
  const first = failed[0]!;
  const summary = failed.length === 1 ? `build prerequisite not met: ${first.title}: ${first.detail}` : `${failed.length} build prerequisites not met: ${failed.map((c) => `${c.title}: ${c.detail}`).join(' | ')}`;
  throw new PrerequisiteError(summary, {
    code: 'PREREQUISITES',
    body: failed.map((c) => `${c.title}: ${c.detail}${c.fix ? `\n  fix: ${c.fix}` : ''}`).join('\n'),
    hint: failed.map((c) => c.fix).filter(Boolean).join(' '),
  });
}

/** Absolute paths of a planned image and its files inside a template copy at `cwd`. */
export function preparationPaths(p: PlannedFatImage, cwd: string): { image: string; files: string[] } {
  return { image: join(cwd, p.image), files: p.files.map((f) => join(cwd, f)) };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new MaasAbortError('build planning cancelled', { code: 'CANCELLED', cause: signal.reason });
}

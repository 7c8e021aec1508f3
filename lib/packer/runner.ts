/**
 * Runs one `packer build` for an image and reports it as typed events.
 *
 *   const build = startPackerBuild({ iso, outputDir, signal });
 *   build.on('phase', p => …).on('console', line => …);
 *   const { artifactPath, sha256 } = await build.done();
 *
 * Success = exit code 0, no `error-count`, and a `.dd.gz` artifact announced by Packer (from the
 * compress post-processor) that exists — never a file merely lying there (docs/packer.md
 * docs/packer.md). Cancellation (AbortSignal or cancel()) sends SIGINT to Packer's process group,
 * Packer's graceful interrupt (docs/packer.md), waits `graceMs`, then SIGKILLs the group and any process
 * that still belongs to the build, unmounts leftovers and removes the build directory; done()
 * then rejects with MaasAbortError (code CANCELLED) — the CLI maps it to exit 130.
 */
import { EventEmitter } from 'node:events';
import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ResultPromise } from 'execa';
import { MaasAbortError } from '../errors/index.js';
import { ArtifactCollector, findCompressedImage } from './artifacts.js';
import { prepareBuildDir, removeBuildDir, type BuildDir } from './build-dir.js';
import { consoleLineFromDebugLog, FileTail, qemuDiagnostics } from './console-tail.js';
import { killBuildProcesses, signalGroup } from './leftovers.js';
import type { PackerEvent } from './machine-readable.js';
import { moveArtifact } from './move-artifact.js';
import { failureFromOutcome, PackerBuildError, type RunOutcome } from './packer-failure.js';
import { assertBuildPlan, planBuild, preparationPaths, type BuildPlan, type PlanBuildOptions } from './build-plan.js';
import { writeFatImage } from './fat-image.js';
import { buildKickstartImage, KICKSTART_VARIABLE, ROOT_PASSWORD_ENV, templateBuildsKickstart } from './kickstart.js';
import { inspectImage } from '../inspect/inspect-image.js';
import { assertPlanFits, consoleFiles, packerEnvironment, templateVarsFor } from './prepare-steps.js';
import { redactVarArg, runPackerProcess, type PackerRun } from './packer-process.js';
import { PROVENANCE_VARIABLE, writeProvenanceInput } from './provenance-record.js';
import { chooseRootPassword, passwordFileFor, writePasswordFile, type RootPasswordChoice } from './root-password.js';
import type { PackerInstallation } from './packer-version.js';
import { phaseForUiText, type BuildPhase } from './phases.js';
import type { TemplateInfo } from './template-info.js';
import { STANDARD_VARIABLES, varArgs } from './template-vars.js';
import type { BuildOptions, BuildResult } from './build-options.js';

export type { BuildOptions, BuildResult };

export interface PhaseChange {
  name: BuildPhase;
  elapsedMs: number;
}

export interface PackerBuildEvents {
  event: [PackerEvent];
  phase: [PhaseChange];
  console: [string];
  log: [string];
}

/** What prepare() settled before Packer runs. */
interface PreparedBuild {
  packer: PackerInstallation;
  template: TemplateInfo;
  dir: BuildDir;
  /** Final `-var` values. */
  vars: Record<string, string>;
  env: NodeJS.ProcessEnv;
  outputDir: string;
  consoleCandidates: string[];
  /** Our PACKER_LOG_PATH, unless the user runs with their own PACKER_LOG. */
  debugLog: string | undefined;
  password: RootPasswordChoice;
}

const DEFAULT_GRACE_MS = 60_000;

export class PackerBuild extends EventEmitter<PackerBuildEvents> {
  /** The build directory once prepared (removed again at the end unless keepBuildDir). */
  buildDir: string | null = null;
  /** Directories to remove at the end (the build dir and, if it had to live elsewhere, TMPDIR). */
  #buildPaths: string[] = [];
  /** Packer's pid while it runs (leader of its own process group). */
  pid: number | undefined;
  phase: BuildPhase | undefined;

  readonly #opts: BuildOptions;
  readonly #controller = new AbortController();
  readonly #startedAt = Date.now();
  readonly #promise: Promise<BuildResult>;
  #child: ResultPromise | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(opts: BuildOptions) {
    super();
    this.#opts = opts;
    const outer = opts.signal;
    const forward = (): void => this.cancel(outer?.reason);
    if (outer) {
      if (outer.aborted) this.#controller.abort(outer.reason);
      else outer.addEventListener('abort', forward, { once: true });
    }
    this.#controller.signal.addEventListener('abort', () => this.#onAbort(), { once: true });
    // Start on the next turn so listeners attached right after construction see every event.
    this.#promise = new Promise<void>((r) => setImmediate(r))
      .then(() => this.#run())
      .finally(() => outer?.removeEventListener('abort', forward));
    this.#promise.catch(() => undefined); // callers who never call done() must not crash the process
  }

  done(): Promise<BuildResult> {
    return this.#promise;
  }

  /** Stop the build; done() rejects with MaasAbortError (code CANCELLED). */
  cancel(reason?: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason ?? 'cancelled');
  }

  get elapsedMs(): number {
    return Date.now() - this.#startedAt;
  }

  get #signal(): AbortSignal {
    return this.#controller.signal;
  }

  async #run(): Promise<BuildResult> {
    const opts = this.#opts;
    const tails: FileTail[] = [];
    try {
      this.#enterPhase('prepare');
      const plan = await this.#prepare((dir) => {
        this.buildDir = dir.root;
        this.#buildPaths = dir.paths;
      });
      const { dir } = plan;

      const pollMs = opts.consolePollMs ?? 1000;
      tails.push(new FileTail(plan.consoleCandidates, (line) => this.#consoleLine(line), pollMs));
      if (plan.debugLog && plan.template.serialStdio) tails.push(new FileTail([plan.debugLog], (line) => this.#consoleLine(line), pollMs, consoleLineFromDebugLog));
      tails.forEach((tail) => tail.start());

      const args = ['build', '-machine-readable', '-color=false', ...varArgs(plan.vars), plan.template.templateArg];
      this.#log(`running: packer ${args.map(redactVarArg).join(' ')} (in ${dir.cwd})`);
      const outcome = await this.#runPacker(plan.packer.path, args, dir, plan.env, { userLog: !plan.debugLog });
      for (const tail of tails.splice(0)) await tail.stop();

      // Anything still running that belongs to the build (scripts that ignored SIGINT, daemons).
      const leftovers = await killBuildProcesses({ sessionId: outcome.pid, buildDir: dir.root });
      for (const p of leftovers) this.#log(`killed leftover process ${p.pid}: ${p.command}`);

      if (this.#signal.aborted) throw this.#abortError();
      if (outcome.exitCode !== 0 || outcome.errorCount > 0 || outcome.signal) {
        if (plan.debugLog) outcome.diagnostics = await qemuDiagnostics(plan.debugLog);
        throw failureFromOutcome(outcome);
      }
      return await this.#deliver(plan, outcome);
    } catch (err) {
      if (this.#signal.aborted && !(err instanceof MaasAbortError)) throw this.#abortError(err);
      throw err;
    } finally {
      for (const tail of tails) await tail.stop();
      clearTimeout(this.#graceTimer);
      const root = this.buildDir;
      if (root) {
        // Even without a child (cancel during prepare) make sure nothing of ours survives.
        await killBuildProcesses({ buildDir: root }, 2000).catch(() => []);
        if (!opts.keepBuildDir) {
          for (const problem of await removeBuildDir({ paths: this.#buildPaths })) this.#log(problem);
          this.buildDir = null;
        } else {
          this.#log(`build directory kept: ${this.#buildPaths.join(', ')}`);
        }
      }
    }
  }

  /** Everything before Packer starts: the plan (made once, here or by the caller), variables, build dir, kickstart, provenance, env. */
  async #prepare(onBuildDir: (dir: BuildDir) => void): Promise<PreparedBuild> {
    const opts = this.#opts;
    this.#throwIfCancelled();
    const plan = opts.plan ?? (await planBuild(this.#planOptions()));
    assertPlanFits(plan, opts);
    assertBuildPlan(plan);
    this.#throwIfCancelled();
    const packer = plan.packer!;
    const template = plan.template!;
    this.#log(`using Packer ${packer.version} at ${packer.path}`);
    const vars = templateVarsFor(plan, opts, (line) => this.#log(line));
    await mkdir(plan.outputDir, { recursive: true });
    this.#throwIfCancelled();
    const dir = await prepareBuildDir(template, packer, { workDir: plan.workDir });
    onBuildDir(dir);
    for (const note of dir.notes) this.#log(note);
    await this.#makePreparations(plan, dir);
    const consoleCandidates = consoleFiles(opts, template, vars, dir);
    const { env, debugLog } = packerEnvironment(opts.env ?? process.env, dir, vars, opts.iso);
    const password = await this.#kickstart(template, dir, vars, env);
    if (template.variables.some((v) => v.name === PROVENANCE_VARIABLE) && vars[PROVENANCE_VARIABLE] === undefined) {
      vars[PROVENANCE_VARIABLE] = await writeProvenanceInput(dir.cwd, {
        iso: opts.iso,
        isoInfo: plan.iso,
        templateDir: template.dir,
        packerVersion: packer.version,
        kickstartExtra: opts.kickstartExtra,
        rootPassword: password.origin,
        signal: this.#signal,
      });
    }
    this.#throwIfCancelled();
    return { packer, template, dir, vars, env, outputDir: plan.outputDir, consoleCandidates, debugLog, password };
  }

  /** `prepare`: what the template's Makefile would make and we can (usb.img from KS.CFG), in the copy. */
  async #makePreparations(plan: BuildPlan, dir: BuildDir): Promise<void> {
    for (const p of plan.preparations) {
      this.#throwIfCancelled();
      const paths = preparationPaths(p, dir.cwd);
      await writeFatImage({ ...paths, sizeMiB: p.sizeMiB, env: this.#opts.env ?? process.env, signal: this.#signal });
      this.#log(`prepared ${p.image}: ${p.sizeMiB} MiB FAT image holding ${p.files.join(', ')} (as the template's Makefile makes it)`);
    }
    this.#throwIfCancelled();
  }

  /**
   * Our template's kickstart stick (unless the caller brought their own image), with the root
   * password chosen here. Only this step sees the password; Packer and its debug log don't.
   */
  async #kickstart(template: TemplateInfo, dir: BuildDir, vars: Record<string, string>, env: NodeJS.ProcessEnv): Promise<RootPasswordChoice> {
    let choice: RootPasswordChoice = { origin: 'unknown', generated: undefined };
    if (templateBuildsKickstart(template, dir.cwd) && vars[KICKSTART_VARIABLE] === undefined) {
      choice = chooseRootPassword(env, ROOT_PASSWORD_ENV, this.#opts.publishedDefaultPassword === true);
      const version = vars[STANDARD_VARIABLES.esxiVersion] ?? template.variables.find((v) => v.name === STANDARD_VARIABLES.esxiVersion)?.literalDefault ?? '8.0';
      const ks = await buildKickstartImage({
        cwd: dir.cwd,
        esxiVersion: version,
        env: choice.generated ? { ...env, [ROOT_PASSWORD_ENV]: choice.generated } : env,
        signal: this.#signal,
        ...(this.#opts.kickstartExtra ? { kickstartExtra: resolve(this.#opts.kickstartExtra) } : {}),
      });
      for (const line of ks.output) this.#log(line);
      vars[KICKSTART_VARIABLE] = ks.image;
    }
    delete env[ROOT_PASSWORD_ENV];
    return choice;
  }

  #planOptions(): PlanBuildOptions {
    const o = this.#opts;
    return {
      iso: o.iso,
      ...(o.templateDir !== undefined ? { templateDir: o.templateDir } : {}),
      ...(o.outputDir !== undefined ? { outputDir: o.outputDir } : {}),
      ...(o.workDir !== undefined ? { workDir: o.workDir } : {}),
      ...(o.vars ? { vars: o.vars } : {}),
      ...(o.prepare ? { prepare: true } : {}),
      ...(o.env ? { env: o.env } : {}),
      signal: this.#signal,
    };
  }

  /** Packer succeeded: find its image, move it to the output directory, hash it. */
  async #deliver(plan: PreparedBuild, outcome: RunOutcome & { collector: ArtifactCollector }): Promise<BuildResult> {
    const image = findCompressedImage(outcome.collector.artifacts);
    if (!image) {
      throw new PackerBuildError('Packer finished without a .dd.gz image from a compress post-processor', {
        code: 'NO_ARTIFACT',
        body: outcome.collector.artifacts.map((a) => `${a.build} #${a.index} ${a.builderId}: ${a.files.join(', ') || a.string}`).join('\n') || 'no artifacts',
        hint: 'The template must end with a compress post-processor writing *.dd.gz (inside a post-processors {} chain).',
        exitCode: outcome.exitCode,
      });
    }
    const src = resolve(plan.dir.cwd, image.file);
    if (!(await stat(src).then((s) => s.isFile(), () => false))) {
      throw new PackerBuildError(`Packer reported ${image.file} but the file does not exist`, {
        code: 'ARTIFACT_MISSING',
        hint: "Check the compress post-processor's output path.",
        exitCode: outcome.exitCode,
      });
    }
    this.#enterPhase('artifact');
    const delivered = await moveArtifact(src, plan.outputDir, this.#signal);
    this.#log(`image ${delivered.path} (${delivered.size} bytes, sha256 ${delivered.sha256})`);
    let rootPasswordFile: string | null = null;
    if (plan.password.generated) {
      rootPasswordFile = passwordFileFor(delivered.path);
      await writePasswordFile(rootPasswordFile, plan.password.generated);
      this.#log(`root password written to ${rootPasswordFile} (mode 0600)`);
    }
    const provenance = plan.vars[PROVENANCE_VARIABLE] ? ((await inspectImage(delivered.path, { signal: this.#signal })).provenance ?? null) : null;
    return {
      artifactPath: delivered.path,
      size: delivered.size,
      sha256: delivered.sha256,
      elapsedMs: this.elapsedMs,
      packerVersion: plan.packer.version,
      buildDir: this.#opts.keepBuildDir ? plan.dir.root : null,
      rootPassword: plan.password.origin,
      rootPasswordFile,
      provenance,
    };
  }

  async #runPacker(packerPath: string, args: string[], dir: BuildDir, env: NodeJS.ProcessEnv, how: { userLog: boolean }): Promise<PackerRun> {
    this.#throwIfCancelled();
    return runPackerProcess({ packerPath, args, cwd: dir.cwd, env, userLog: how.userLog }, {
      started: (child) => {
        this.#child = child;
        this.pid = child.pid;
        if (this.#signal.aborted) this.#onAbort();
      },
      ended: () => {
        this.#child = undefined;
      },
      log: (line) => this.#log(line),
      consoleLine: (line) => this.#consoleLine(line),
      event: (ev) => this.emit('event', ev),
      uiText: (text) => {
        const phase = phaseForUiText(text);
        if (phase && !this.#signal.aborted) this.#enterPhase(phase);
      },
    });
  }

  #onAbort(): void {
    this.#enterPhase('cancel');
    const child = this.#child;
    const pid = child?.pid;
    if (!child || pid === undefined) return; // not started yet or already finished: run() handles it
    this.#log('cancelling: SIGINT to Packer\'s process group');
    signalGroup(pid, 'SIGINT');
    const grace = this.#opts.graceMs ?? DEFAULT_GRACE_MS;
    const buildDir = this.buildDir;
    this.#graceTimer = setTimeout(() => {
      if (!this.#child || !buildDir) return;
      this.#log(`Packer did not stop within ${grace} ms: killing the build's processes`);
      void killBuildProcesses({ sessionId: pid, buildDir });
    }, grace);
    this.#graceTimer.unref();
  }

  #throwIfCancelled(): void {
    if (this.#signal.aborted) throw this.#abortError();
  }

  #abortError(cause?: unknown): MaasAbortError {
    const reason = this.#signal.reason as unknown;
    const why = typeof reason === 'string' ? reason : reason instanceof Error ? reason.message : '';
    return new MaasAbortError(`Packer build cancelled${why ? `: ${why}` : ''}`, {
      code: 'CANCELLED',
      hint: 'Nothing was kept; run the build again.',
      cause: cause ?? reason,
    });
  }

  #enterPhase(name: BuildPhase): void {
    if (this.phase === name) return;
    this.phase = name;
    const elapsedMs = this.elapsedMs;
    this.emit('event', { type: 'phase', name, elapsedMs, timestamp: Math.floor(Date.now() / 1000), target: '' });
    this.emit('phase', { name, elapsedMs });
  }

  #consoleLine(line: string): void {
    this.emit('event', { type: 'console', line, timestamp: Math.floor(Date.now() / 1000), target: '' });
    this.emit('console', line);
  }

  #log(text: string): void {
    this.emit('log', text);
  }
}

export function startPackerBuild(opts: BuildOptions): PackerBuild {
  return new PackerBuild(opts);
}

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOptions, BuildPlan, BuildResult, PrerequisiteCheck } from '../packer/index.js';
import { MaasConfigError } from '../errors/index.js';
import { kickstartExtraProblem, rootPasswordProblems } from '../packer/kickstart-extra.js';
import type { RunContext } from './command.js';
import { ROOT_PASSWORD, type BuildFlags } from './flag-sets.js';
import { formatBytes, formatDuration } from './format.js';
import { UsageError } from './grammar.js';

/** The Packer module (and execa) load only for the commands that build: uploads stay lean. */
export const packer = (): Promise<typeof import('../packer/index.js')> => import('../packer/index.js');

/**
 * What the build's kickstart step would refuse, checked before Packer starts: the snippet's
 * sections and commands, and the root password against ESXi's rules.
 */
export async function checkKickstartInputs(flags: BuildFlags, env: NodeJS.ProcessEnv): Promise<void> {
  if (flags.kickstartExtra !== undefined) {
    if (flags.templateDir !== undefined && !existsSync(join(flags.templateDir, 'scripts', 'build_kickstart_usb.py'))) {
      throw new UsageError(`--kickstart-extra needs our template's kickstart step, which ${flags.templateDir} does not have.`, "Drop --template to use ours, or put the changes in that template's own kickstart.");
    }
    let text: string;
    try {
      text = await readFile(flags.kickstartExtra, 'utf8');
    } catch (cause) {
      throw new MaasConfigError(`Cannot read --kickstart-extra ${flags.kickstartExtra}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}.`, { cause, hint: 'Pass a readable kickstart snippet file.' });
    }
    const problem = kickstartExtraProblem(text);
    if (problem) {
      throw new MaasConfigError(`--kickstart-extra ${flags.kickstartExtra} ${problem}.`, { hint: 'It may hold kickstart commands and %pre, %post and %firstboot sections.' });
    }
  }
  const password = env[ROOT_PASSWORD];
  if (password !== undefined && password !== '') {
    const problems = rootPasswordProblems(password);
    if (problems.length > 0) {
      throw new MaasConfigError(`${ROOT_PASSWORD} does not meet ESXi's password rules: it ${problems.join('; it ')}.`, {
        hint: `Choose 7 to 39 characters mixing three of lower case, upper case, digits and symbols, e.g. export ${ROOT_PASSWORD}='Maas-Esxi%42x'.`,
      });
    }
  }
}

export function buildOptionsOf(ctx: RunContext, flags: BuildFlags): BuildOptions {
  return {
    iso: flags.iso,
    templateDir: flags.templateDir,
    outputDir: flags.outputDir,
    timeout: flags.timeout,
    vars: flags.vars,
    keepBuildDir: flags.keepBuildDir,
    prepare: flags.prepare,
    signal: ctx.signal,
    env: ctx.io.env,
    ...(flags.kickstartExtra ? { kickstartExtra: flags.kickstartExtra } : {}),
    ...(flags.publishedDefaultPassword ? { publishedDefaultPassword: true } : {}),
  };
}

export function renderChecks(checks: PrerequisiteCheck[]): string {
  const rows = checks.map((c) => [c.ok ? 'ok' : c.severity === 'error' ? 'FAIL' : 'warn', c.title, c.ok ? c.detail : `${c.detail}${c.fix ? ` — fix: ${c.fix}` : ''}`]);
  const w0 = Math.max(6, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(5, ...rows.map((r) => r[1]!.length));
  return [['status', 'check', 'detail'], ...rows].map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`).join('\n');
}

/** Plan once: the checks are shown, and the same plan drives the build. */
async function preflight(ctx: RunContext, opts: BuildOptions): Promise<BuildPlan> {
  const sdk = await packer();
  const plan = await sdk.planBuild(opts);
  for (const c of plan.warnings) ctx.out.warn(`${c.title}: ${c.detail}${c.fix ? ` (${c.fix})` : ''}`);
  if (!plan.ok && !ctx.flags.json) ctx.out.progress(`${renderChecks(plan.checks)}\n`);
  sdk.assertBuildPlan(plan);
  return plan;
}

/**
 * Run a Packer build with live progress on stderr. With --json the progress is JSON lines on
 * stderr (`{"event": …}`), so stdout keeps its one document.
 */
export async function runBuild(ctx: RunContext, opts: BuildOptions): Promise<BuildResult> {
  const { flags, out } = ctx;
  const plan = await preflight(ctx, opts);
  const build = (await packer()).startPackerBuild({ ...opts, plan });
  const started = Date.now();
  let phase = 'starting';
  let lastConsole = '';
  let lastLine = 0;
  const status = (force = false): void => {
    if (flags.json || flags.quiet) return;
    const now = Date.now();
    const line = `[${formatDuration((now - started) / 1000)}] ${phase}${lastConsole ? ` | ${lastConsole.slice(0, 60)}` : ''}`;
    if (out.stderrIsTTY) {
      out.progress(`\r\u001b[2K${line}`);
      // The status line has no newline yet: any other line (a warning, Ctrl-C's notice) ends it first.
      out.setLive(() => out.progress('\n'));
    } else if (force || now - lastLine > 30_000) {
      out.progress(`${line}\n`);
      lastLine = now;
    }
  };
  const ticker = setInterval(() => status(), 1000);
  build.on('event', (e) => {
    if (flags.json) out.event({ event: e });
  });
  build.on('phase', (p: { name: string }) => {
    phase = p.name;
    status(true);
  });
  build.on('console', (line: string) => {
    lastConsole = line.trim();
  });
  try {
    return await build.done();
  } finally {
    clearInterval(ticker);
    // The status line ends here, unless a warning or Ctrl-C's notice already ended it.
    out.endLive();
  }
}

export function describeBuild(r: BuildResult): Record<string, unknown> {
  return { artifact: r.artifactPath, size: r.size, sha256: r.sha256, elapsedMs: r.elapsedMs, packerVersion: r.packerVersion, rootPassword: r.rootPassword, rootPasswordFile: r.rootPasswordFile, provenance: r.provenance };
}

export function builtLine(r: BuildResult): string {
  const password = r.rootPasswordFile
    ? ` The root password is in ${r.rootPasswordFile} (mode 0600).`
    : r.rootPassword === 'published-default'
      ? " The root password is packer-maas's PUBLIC default password123!: change it on every deployed host."
      : '';
  return `Built ${r.artifactPath} (${formatBytes(r.size)}) in ${formatDuration(r.elapsedMs / 1000)}; sha256 ${r.sha256}.${password}`;
}

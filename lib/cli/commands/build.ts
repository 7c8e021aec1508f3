import type { Argv } from 'yargs';
import type { BuildOptions, BuildResult, PrerequisiteCheck } from '../../packer/index.js';

/** The Packer module (and execa) load only for the commands that build: uploads stay lean. */
const packer = (): Promise<typeof import('../../packer/index.js')> => import('../../packer/index.js');
import { PrerequisiteError } from '../../errors/index.js';
import type { CliContext, GlobalFlags } from '../context.js';
import { formatBytes, formatDuration } from '../format.js';
import { parseDataPair, UsageError } from '../grammar.js';
import { uploadFlagsOf, uploadOptions, type Run } from './resources.js';
import { runUpload, uploadOptionsFromPairs } from './upload-command.js';

type Handle = (work: (flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) => (argv: Record<string, unknown>) => void;

function buildOptions(y: Argv): Argv {
  return y
    .option('iso', { type: 'string', demandOption: true, describe: 'the VMware ESXi installer ISO' })
    .option('template', { type: 'string', describe: 'template directory (default: our packer/vmware-esxi; a packer-maas vmware-esxi/ checkout works too)' })
    .option('output', { type: 'string', describe: 'directory for vmware-esxi.dd.gz (default: current directory)' })
    .option('timeout', { type: 'string', describe: 'Packer timeout for the installation, e.g. 1h' })
    .option('var', { type: 'string', array: true, describe: 'extra template variable k=v (repeatable)' })
    .option('keep-build-dir', { type: 'boolean', default: false, describe: 'keep Packer\'s temporary build directory for debugging' });
}

function varsOf(argv: Record<string, unknown>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of (argv['var'] as unknown[] | undefined) ?? []) {
    const pair = parseDataPair(String(raw));
    if (pair.fromFile || pair.key === '') throw new UsageError(`--var '${String(raw)}' is not k=v.`, 'Write --var name=value.');
    vars[pair.key] = pair.value;
  }
  return vars;
}

function buildOptionsOf(ctx: CliContext, argv: Record<string, unknown>): BuildOptions {
  return {
    iso: String(argv['iso']),
    templateDir: argv['template'] === undefined ? undefined : String(argv['template']),
    outputDir: argv['output'] === undefined ? ctx.io.cwd : String(argv['output']),
    timeout: argv['timeout'] === undefined ? undefined : String(argv['timeout']),
    vars: varsOf(argv),
    keepBuildDir: Boolean(argv['keep-build-dir']),
    signal: ctx.signal,
    env: ctx.io.env,
  };
}

function renderChecks(checks: PrerequisiteCheck[]): string {
  const rows = checks.map((c) => [c.ok ? 'ok' : c.severity === 'error' ? 'FAIL' : 'warn', c.title, c.ok ? c.detail : `${c.detail}${c.fix ? ` — fix: ${c.fix}` : ''}`]);
  const w0 = Math.max(6, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(5, ...rows.map((r) => r[1]!.length));
  return [['status', 'check', 'detail'], ...rows].map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`).join('\n');
}

async function preflight(ctx: CliContext, flags: GlobalFlags, opts: BuildOptions): Promise<void> {
  const report = await (await packer()).checkPrerequisites({ iso: opts.iso, templateDir: opts.templateDir, outputDir: opts.outputDir, env: ctx.io.env, signal: ctx.signal });
  const failed = report.checks.filter((c) => !c.ok && c.severity === 'error');
  for (const c of report.checks.filter((c) => !c.ok && c.severity === 'warning')) ctx.out.warn(`${c.title}: ${c.detail}${c.fix ? ` (${c.fix})` : ''}`);
  if (failed.length > 0) {
    if (!flags.json) ctx.out.progress(`${renderChecks(report.checks)}\n`);
    const first = failed[0]!;
    throw new PrerequisiteError(`${failed.length} build prerequisite(s) failed; first: ${first.title}: ${first.detail}.`, { code: 'PREREQUISITES', hint: first.fix });
  }
}

/** Run a Packer build with live progress on stderr (or JSON lines with --json). */
async function runBuild(ctx: CliContext, flags: GlobalFlags, opts: BuildOptions): Promise<BuildResult> {
  await preflight(ctx, flags, opts);
  const build = (await packer()).startPackerBuild(opts);
  const started = Date.now();
  let phase = 'starting';
  let lastConsole = '';
  let lastLine = 0;
  const status = (force = false): void => {
    if (flags.json || flags.quiet) return;
    const now = Date.now();
    const line = `[${formatDuration((now - started) / 1000)}] ${phase}${lastConsole ? ` | ${lastConsole.slice(0, 60)}` : ''}`;
    if (ctx.out.stderrIsTTY) ctx.out.progress(`\r\u001b[2K${line}`);
    else if (force || now - lastLine > 30_000) {
      ctx.out.progress(`${line}\n`);
      lastLine = now;
    }
  };
  const ticker = setInterval(() => status(), 1000);
  build.on('event', (e) => {
    if (flags.json) ctx.io.stdout.write(`${JSON.stringify({ event: e })}\n`);
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
    if (ctx.out.stderrIsTTY && !flags.json && !flags.quiet) ctx.out.progress('\n');
  }
}

function describeResult(r: BuildResult): Record<string, unknown> {
  return { artifact: r.artifactPath, size: r.size, sha256: r.sha256, elapsedMs: r.elapsedMs, packerVersion: r.packerVersion };
}

/** `doctor` and `build` (top level: no MAAS needed). */
export function registerBuildCommands(y: Argv, ctx: CliContext, handle: Handle): Argv {
  return y
    .command({
      command: 'doctor',
      describe: 'check the build host: packer, qemu, /dev/kvm, disk space, the ISO',
      builder: (b: Argv) => b.option('iso', { type: 'string', describe: 'also check this ESXi ISO' }).option('template', { type: 'string' }).option('output', { type: 'string' }),
      handler: handle(async (flags, argv) => {
        const report = await (await packer()).checkPrerequisites({
          iso: argv['iso'] === undefined ? undefined : String(argv['iso']),
          templateDir: argv['template'] === undefined ? undefined : String(argv['template']),
          outputDir: argv['output'] === undefined ? ctx.io.cwd : String(argv['output']),
          env: ctx.io.env,
          signal: ctx.signal,
        });
        if (flags.json) ctx.out.result(report);
        else ctx.out.text(renderChecks(report.checks));
        if (!report.ok) {
          const first = report.checks.find((c) => !c.ok && c.severity === 'error')!;
          throw new PrerequisiteError(`Build prerequisites missing: ${first.title}.`, { code: 'PREREQUISITES', hint: first.fix });
        }
      }),
    })
    .command({
      command: 'build',
      describe: 'build vmware-esxi.dd.gz from an ESXi ISO with Packer',
      builder: buildOptions,
      handler: handle(async (flags, argv) => {
        const result = await runBuild(ctx, flags, buildOptionsOf(ctx, argv));
        ctx.out.info(`Built ${result.artifactPath} (${formatBytes(result.size)}) in ${formatDuration(result.elapsedMs / 1000)}; sha256 ${result.sha256}.`);
        // --json: a stream of JSON lines, the events then the result, each one line.
        if (flags.json) ctx.out.text(JSON.stringify({ result: describeResult(result) }));
        else ctx.out.result(describeResult(result));
      }),
    });
}

/** `PROFILE build-and-upload --iso ISO name=… title=… architecture=…`: the whole pipeline. */
export function registerPipelineCommand(ctx: CliContext, run: Run) {
  return {
    command: 'build-and-upload [data..]',
    describe: 'build the image with Packer, then upload it resumably (hashes once)',
    builder: (y: Argv) => uploadOptions(buildOptions(y.positional('data', { type: 'string', array: true }))),
    handler: run(async (client, flags, argv) => {
      const pairs = ((argv['data'] as unknown[] | undefined) ?? []).map((a) => parseDataPair(String(a)));
      if (pairs.some((p) => p.key === 'content')) throw new UsageError('build-and-upload uploads what it builds; drop content@=.');
      // Check the upload's fields before spending an hour on the build.
      const draft = await uploadOptionsFromPairs([...pairs, { key: 'content', path: '/dev/null', fromFile: true }, { key: 'filetype', value: 'ddgz', fromFile: false }], ctx.io.cwd);
      const built = await runBuild(ctx, flags, buildOptionsOf(ctx, argv));
      ctx.out.info(`Built ${built.artifactPath} (${formatBytes(built.size)}); uploading.`);
      const { filetypeGuessed: _g, ...opts } = draft;
      await runUpload(ctx, flags, client, { ...opts, path: built.artifactPath, filetype: 'ddgz', sha256: built.sha256 }, uploadFlagsOf(argv));
    }),
  };
}

/**
 * Turning a failed Packer run into one PackerError with Packer's own words and a hint.
 * Packer exits 1 for every kind of failure (docs/packer.md), so the text decides.
 */
import { PackerError, type MaasErrorOptions } from '../errors/index.js';

/** A PackerError that also carries the exit status and Packer's error lines. name stays 'PackerError'. */
export class PackerBuildError extends PackerError {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** Per-build `error` lines, else the fatal `ui,error` lines. */
  readonly packerErrors: string[];

  constructor(message: string, options: MaasErrorOptions & { exitCode?: number | undefined; signal?: string | undefined; packerErrors?: string[] }) {
    super(message, options);
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.packerErrors = options.packerErrors ?? [];
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.exitCode !== undefined) out['exitCode'] = this.exitCode;
    if (this.signal !== undefined) out['signal'] = this.signal;
    if (this.packerErrors.length > 0) out['packerErrors'] = this.packerErrors;
    return out;
  }
}

export interface RunOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  errorCount: number;
  /** `NAME,error,MSG` lines. */
  buildErrors: string[];
  /** Every `ui,error` text, in order (includes shell-local stderr). */
  uiErrors: string[];
  /** Non-log stderr lines, last ones. */
  stderrTail: string[];
  /** Did any build start (a `==> name: …` line)? */
  buildStarted: boolean;
  /** qemu's own stderr, from Packer's debug log (`Qemu stderr:` lines). */
  diagnostics?: string[];
}

const MAX_BODY = 16 * 1024;

export function failureFromOutcome(o: RunOutcome): PackerBuildError {
  const fatal = o.uiErrors.filter(isFatalUiError);
  // The failing step's own line (`==> qemu.esxi: Error launching VM: …`) says more than the
  // per-build summary (`Build was halted.`); the summary is next best.
  const stepErrors = fatal.filter((t) => /^==> [^:(]+: /.test(t.trim()));
  const headline = lastOf(stepErrors) ?? o.buildErrors[0] ?? lastOf(fatal) ?? lastOf(o.uiErrors) ?? lastOf(o.stderrTail);
  const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.exitCode ?? '?'}`;
  const diagnostics = o.diagnostics ?? [];
  const qemuError = diagnostics.find((l) => /\berror\b|failed/i.test(l) && !/warning/i.test(l)) ?? diagnostics.find((l) => !/warning/i.test(l));
  let message = headline ? `Packer build failed: ${firstLines(stripErrorList(stripUiPrefix(headline)), 3)}` : `Packer ${how} without an error message`;
  // A failed script says why on its stderr (`==> qemu.esxi (shell-local): …: ERROR: …`), which
  // Packer's summary ("Script exited with non-zero exit status") does not repeat.
  const scriptError = lastOf(o.uiErrors.filter((t) => /^==> [^:]+ \([\w-]+\): /.test(t.trim()) && /\berror\b/i.test(t)));
  if (scriptError && /Post-processor failed|Script exited|non-zero exit/i.test(message)) message += ` — ${firstLines(stripUiPrefix(scriptError).replace(/^[^:]+ \([\w-]+\): /, ''), 2)}`;
  if (qemuError && /Qemu failed to start|Error launching VM/i.test(message)) message = `${message.replace(/\s*Please run with PACKER_LOG=1 to get more info\.?/, '')} (${qemuError})`;
  const allText = [...o.buildErrors, ...o.uiErrors, ...o.stderrTail, ...diagnostics].join('\n');
  const invalid = !o.buildStarted && fatal.some((t) => /^Error[: ]/.test(t.trim()));
  let body = [
    `packer ${how}${o.errorCount ? `, ${o.errorCount} build(s) errored` : ''}`,
    ...o.uiErrors,
    ...(diagnostics.length ? ['qemu:', ...diagnostics] : []),
    ...(o.stderrTail.length ? ['stderr:', ...o.stderrTail] : []),
  ].join('\n');
  if (body.length > MAX_BODY) body = '…' + body.slice(-MAX_BODY);
  return new PackerBuildError(message, {
    code: invalid ? 'TEMPLATE_INVALID' : 'BUILD_FAILED',
    body,
    hint: hintForPackerText(allText),
    exitCode: o.exitCode,
    signal: o.signal,
    packerErrors: o.buildErrors.length ? o.buildErrors : fatal,
  });
}

/** `ui,error` lines that are Packer's errors, not a script's stderr (`==> x (shell-local): …`). */
function isFatalUiError(text: string): boolean {
  const t = text.trim();
  if (/^==> [^:]+ \([\w-]+\): /.test(t)) return false;
  return /^Error\b|^Build '.*' errored|^==> [^:(]+: |^--> |^\* /m.test(t) && !/^==> Some builds didn't complete/.test(t);
}

const HINTS: [RegExp, string][] = [
  [/Undefined -var variable/, 'Pass only variables the template declares (see its variable blocks).'],
  [/Unsupported Packer Core version|required_plugins|Unsupported block type/, 'The template needs a newer Packer than the one installed; use our template, or install Packer ≥ the version it names (then the qemu plugin too).'],
  [/[Mm]issing plugins?|Unknown source type "?qemu|unknown builder type|plugin .*not (?:installed|found)/, 'Install the qemu plugin: `packer plugins install github.com/hashicorp/qemu` (needs network) — see `maas-esxi doctor`.'],
  [/executable file not found in \$PATH/, 'Install qemu: `sudo apt-get install --no-install-recommends qemu-system-x86 qemu-utils`.'],
  [/Could not access KVM|requires kvm|failed to initialize kvm|\/dev\/kvm/i, 'KVM is not usable: check /dev/kvm with `maas-esxi doctor` (kvm group, nested virtualisation).'],
  [/failed to set MSR/, 'qemu could not start the VM with `-cpu host`: this looks like nested virtualisation that hides CPU features. Build on bare metal, or pass a named CPU model (our template: --var cpu_model=…).'],
  [/Qemu failed to start/, 'qemu could not start the VM; its own message is above. Check /dev/kvm and the memory/CPU settings with `maas-esxi doctor`.'],
  [/Failed to shutdown|[Tt]imeout waiting for (?:the )?(?:machine|VM)? ?to shut ?down/, 'The installer did not power the VM off in time: look at the console log for the installer\'s error, or raise --timeout (default 1h).'],
  [/error downloading ISO|source path error/, 'Check --iso: the file must exist and be readable.'],
  [/Post-processor failed/, 'A post-processor failed (the image modification step); its output is above. A .dd.gz written anyway is not a usable image.'],
  [/Output directory .* already exists/, 'Remove the stale output directory (or rerun: each maas-esxi build uses a fresh directory).'],
  [/Cleanly cancelled|Build was cancelled/, 'The build was interrupted.'],
];

function hintForPackerText(text: string): string {
  for (const [re, hint] of HINTS) if (re.test(text)) return hint;
  return 'Rerun with keepBuildDir (--keep-build-dir) to keep the build directory, including Packer\'s debug log (packer.log).';
}

/** `1 error(s) occurred:\n\n* X` → `X`. */
function stripErrorList(text: string): string {
  return text.replace(/^\d+ error\(s\) occurred:\s*/, '').replace(/^\* /gm, '');
}
function stripUiPrefix(text: string): string {
  return text.replace(/^\s*(?:==>|-->)\s*/, '').trim();
}
function firstLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(0, n).join(' ');
}
function lastOf<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}

/**
 * One `packer build -machine-readable` process: started as the leader of its own process group,
 * its stdout parsed into typed events, its stderr into log lines (or console lines from the
 * user's PACKER_LOG), and its outcome collected for the verdict (docs/packer.md).
 */
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { ArtifactCollector } from './artifacts.js';
import { cleanConsoleLine, consoleLineFromDebugLog } from './console-tail.js';
import { signalGroup } from './leftovers.js';
import { parseMachineReadableLine, type PackerEvent } from './machine-readable.js';
import type { RunOutcome } from './packer-failure.js';

const STDERR_TAIL = 40;

export type PackerRun = RunOutcome & { pid: number | undefined; collector: ArtifactCollector };

interface PackerCommand {
  packerPath: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The user runs with their own PACKER_LOG on stderr: its `Qemu stdout:` lines are the console. */
  userLog: boolean;
}

/** What the build hears from the process. */
interface PackerProcessHooks {
  started(child: ResultPromise): void;
  ended(): void;
  log(line: string): void;
  consoleLine(line: string): void;
  event(ev: PackerEvent): void;
  /** A `ui` or `build-finished` text, for the build's phase. */
  uiText(text: string): void;
}

export async function runPackerProcess(cmd: PackerCommand, hooks: PackerProcessHooks): Promise<PackerRun> {
  const collector = new ArtifactCollector();
  const outcome: RunOutcome = { exitCode: undefined, signal: undefined, errorCount: 0, buildErrors: [], uiErrors: [], stderrTail: [], buildStarted: false };
  // detached: Packer leads its own process group, so a terminal Ctrl-C reaches only us and we
  // decide how to stop it; the whole group can be signalled at once (docs/packer.md).
  const child = execa(cmd.packerPath, cmd.args, {
    cwd: cmd.cwd,
    env: cmd.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    encoding: 'utf8',
  });
  const pid = child.pid;
  // If our process exits abruptly, don't leave a detached Packer (and a VM) running.
  const onExit = (): void => {
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  };
  process.once('exit', onExit);
  hooks.started(child);
  const stdoutDone = eachLine(child.stdout!, (line) => onStdoutLine(line, collector, outcome, hooks));
  const stderrDone = eachLine(child.stderr!, (line) => onStderrLine(line, cmd.userLog, outcome, hooks));
  try {
    const [result] = await Promise.all([child, stdoutDone, stderrDone]);
    outcome.exitCode = result.exitCode;
    outcome.signal = result.signal;
  } finally {
    process.removeListener('exit', onExit);
    hooks.ended();
  }
  return { ...outcome, pid, collector };
}

function eachLine(input: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  return new Promise<void>((done) => {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.on('close', done);
  });
}

function onStderrLine(line: string, userLog: boolean, outcome: RunOutcome, hooks: PackerProcessHooks): void {
  const consoleText = userLog ? consoleLineFromDebugLog(line) : undefined;
  if (consoleText !== undefined) {
    const cleaned = cleanConsoleLine(consoleText);
    if (cleaned) hooks.consoleLine(cleaned);
    return;
  }
  const isLogLine = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /.test(line);
  hooks.log(line);
  if (!isLogLine && line.trim()) {
    outcome.stderrTail.push(line);
    if (outcome.stderrTail.length > STDERR_TAIL) outcome.stderrTail.shift();
  }
}

function onStdoutLine(line: string, collector: ArtifactCollector, outcome: RunOutcome, hooks: PackerProcessHooks): void {
  const ev = parseMachineReadableLine(line);
  if (!ev) {
    if (line.trim()) hooks.log(line);
    return;
  }
  collector.add(ev);
  switch (ev.type) {
    case 'ui':
    case 'build-finished': {
      if (ev.level === 'error') outcome.uiErrors.push(ev.text);
      if (/^==> [^:]+: /.test(ev.text) || ev.type === 'build-finished') outcome.buildStarted = true;
      hooks.uiText(ev.text);
      break;
    }
    case 'error-count':
      outcome.errorCount = ev.count;
      break;
    case 'error':
      outcome.buildErrors.push(ev.message);
      break;
  }
  hooks.event(ev);
}

/** `-var` values of password-like variables stay out of logs. */
export function redactVarArg(arg: string): string {
  const m = /^([\w-]+)=/.exec(arg);
  return m?.[1] && /pass|secret|token|key/i.test(m[1]) ? `${m[1]}=REDACTED` : arg;
}

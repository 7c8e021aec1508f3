import { homedir } from 'node:os';
import { earlyGlobalFlags } from './global-args.js';
import { runCli } from './main.js';

/**
 * Ctrl-C's notice: nothing with --quiet (errors only), a JSON log line with --json (stderr stays
 * JSON lines, docs/architecture.md#conventions), otherwise a line of its own.
 */
function stoppingNotice(sig: NodeJS.Signals, early: { json: boolean; quiet: boolean }): string {
  const message = `${sig} received; stopping cleanly (press Ctrl-C again to quit at once)…`;
  if (early.quiet) return '';
  return early.json ? `${JSON.stringify({ event: 'log', level: 'info', message })}\n` : `\nmaas-esxi: ${message}\n`;
}

/**
 * Process wiring for bin/maas-esxi: Ctrl-C (SIGINT/SIGTERM) aborts the running command, which
 * saves its resume state and exits 130; a second Ctrl-C exits at once.
 */
export async function run(): Promise<void> {
  // undici parses HTTP with llhttp compiled to WebAssembly; V8's optimising tier-up of that
  // module costs a transient ~20 MiB spike for no gain at a few requests per second. Baseline
  // (Liftoff) code is plenty, and keeps a multi-GB upload's peak RSS under 100 MiB (bench/).
  // Help and completion load neither undici nor node:v8 (a megabyte of the start-up budget, bench/startup.mjs).
  const args = process.argv.slice(2);
  if (args[0] !== '__complete' && !args.includes('--help') && !args.includes('-h')) (await import('node:v8')).setFlagsFromString('--liftoff-only');
  const early = earlyGlobalFlags(args);
  const controller = new AbortController();
  const force = new AbortController();
  let interrupted = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted += 1;
    if (interrupted > 1) {
      // Abandon a chunk in flight with a connection reset first, so no late body lands.
      force.abort(new Error(`interrupted twice by ${sig}`));
      process.exit(130);
    }
    process.stderr.write(stoppingNotice(sig, early));
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const code = await runCli(
    args,
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), home: process.env['HOME'] || homedir() },
    { signal: controller.signal, forceSignal: force.signal },
  );
  process.exitCode = code;
}

import { homedir } from 'node:os';

/**
 * Process wiring for bin/maas-esxi: Ctrl-C (SIGINT/SIGTERM) aborts the running command, which
 * saves its resume state and exits 130; a second Ctrl-C exits at once.
 */
export async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), home: process.env['HOME'] || homedir() };
  const brief = args[0] === '__complete' || args.includes('--help') || args.includes('-h');
  // V8 flags by kind of run (node:v8 costs ~1 MiB; each flag saves more, bench/startup.mjs).
  // A Tab or help is over in a blink: the only code that gets hot is Node's module resolver
  // (fileURLToPath, path.resolve for each of ~50 imports), and optimising it pages in ~4 MiB of
  // TurboFan for nothing. A command behind a proxy: undici parses HTTP with llhttp compiled to
  // WebAssembly, and V8's optimising tier-up of that module costs a transient ~20 MiB spike for no
  // gain at a few requests per second (direct connections load no undici, lib/http/proxied.ts).
  (await import('node:v8')).setFlagsFromString(brief ? '--no-opt' : '--liftoff-only');
  // A Tab loads its own module only, not lib/cli/main.ts (help, output, SDK error rendering).
  if (args[0] === '__complete') {
    process.exitCode = await (await import('./complete-for-shell.js')).completeForShell(args.slice(1), io);
    return;
  }
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
    // runCli says so (lib/cli/main.ts), through its output: a bar on the terminal stops first.
    controller.abort(Object.assign(new Error(`interrupted by ${sig}`), { signal: sig }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const { runCli } = await import('./main.js');
  const code = await runCli(args, io, { signal: controller.signal, forceSignal: force.signal });
  process.exitCode = code;
}

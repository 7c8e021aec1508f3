#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt --no-maglev --optimize-for-size
// Thin shim: the CLI lives in dist/cli (compiled from lib/cli by `npm run build`).
//
// The node flags bound memory; each must be a start-up flag (set later through
// v8.setFlagsFromString they have no effect). `env -S` splits the line (GNU coreutils ≥ 8.30,
// macOS, FreeBSD; npm's Windows shims read it too); every bench runs our CLI with the same flags.
// --max-semi-space-size=1 (MiB): loading the CLI's modules makes V8 grow its young generation to
//   16 MiB semi-spaces (heapTotal 31 MiB for 15 MiB of live objects), and those pages stay resident
//   for the whole upload. Capped at 1 MiB, a 1 GiB upload peaked at ~83 MiB instead of ~100 with no
//   measurable CPU cost (docs/performance.md).
// --no-opt --no-maglev: V8's optimizing compilers (TurboFan; Maglev, on by default from Node 22)
//   keep their code and its bookkeeping resident, for nothing: the upload's CPU goes to SHA-256,
//   the kernel's copies and socket writes, all native. A fresh 1 GiB create against a simulator in
//   its own process, A/B runs in turn on the 2-core bench machine (7 December 2026, load 5–15),
//   these with --no-sparkplug: Node 20 peak RSS 66.8 → 58.5 MiB, CPU 0.985× (3 pairs); Node 22
//   81.5 → 70.9 MiB, CPU 0.98×; Node 24 85.4 → 73.0 MiB, CPU 0.92× (2 pairs each). Compiling
//   costs CPU on a second core that the work never repays in a run of seconds.
// Sparkplug (the baseline compiler, no second core: it copies bytecode into machine code) stays
//   on: node:http's JavaScript runs for every chunk and every slice, and interpreted it was 30 % of
//   the samples of `perf record` on a create in 1 MiB chunks. Same A/B, Node 20, after the CLI
//   stopped loading yargs' help renderer (12:50–12:58 UTC, load 7–8): CPU 1.845 → 1.795 s and
//   1.87 → 1.80 s (4 and 5 pairs), peak RSS 54.9 → 55.7 MiB; a 16 MiB create 0.32 → 0.31 s.
// --optimize-for-size: V8 favours memory over speed where it has the choice. A fresh 1 GiB create
//   (`BENCH_NODE_FLAGS=--optimize-for-size`, 5 pairs, 7 December 2026): peak RSS Node 20 56 → 55
//   MiB, Node 24 64 → 63 MiB; CPU against the maas CLI 0.69 → 0.73× on Node 20 (ours 1.47 → 1.43 s)
//   and 0.75 → 0.74× on Node 24, within the run-to-run noise (docs/performance.md).
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

// Node ≥ 22.1 keeps V8's compiled code of our modules on disk, so a command does not parse and
// compile ~150 modules again on every run (docs/performance.md). Enabled before the CLI is
// imported (dynamically, below), or it would not cover it. Node 20 lacks it; an unwritable
// directory only makes Node report a failure status, and nothing here may fail the command.
try {
  module.enableCompileCache?.(join(cacheHome(), 'maas-esxi', 'compile-cache'));
} catch {
  /* a cache is an optimisation: run without it */
}

/** The user's cache directory, as each platform names it (a relative XDG_CACHE_HOME is ignored, as the XDG spec says). */
function cacheHome() {
  const env = process.env;
  if (process.platform === 'win32') return env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
}

const { run } = await import('../dist/cli/run.js');
await run();

#!/usr/bin/env -S node --max-semi-space-size=1
// Thin shim: the CLI lives in dist/cli (compiled from lib/cli by `npm run build`).
//
// --max-semi-space-size=1 (MiB): loading the CLI's modules makes V8 grow its young generation to
// 16 MiB semi-spaces (heapTotal 31 MiB for 15 MiB of live objects), and those pages stay resident
// for the whole upload. Capped at 1 MiB, a 1 GiB upload peaks at ~83 MiB instead of ~100 with no
// measurable CPU cost (README "Performance"). It must be a start-up flag: set later
// through v8.setFlagsFromString it has no effect. `env -S` splits the line (GNU coreutils ≥ 8.30,
// macOS, FreeBSD; npm's Windows shims read it too); bench/maas-cli.mjs runs with the same flags.
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

// Node ≥ 22.1 keeps V8's compiled code of our modules on disk, so a command does not parse and
// compile ~150 modules again on every run (README "Performance"). Enabled before the CLI is
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

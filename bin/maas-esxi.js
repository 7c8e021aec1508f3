#!/usr/bin/env -S node --max-semi-space-size=1
// Thin shim: the CLI lives in dist/cli (compiled from lib/cli by `npm run build`).
//
// --max-semi-space-size=1 (MiB): loading the CLI's modules makes V8 grow its young generation to
// 16 MiB semi-spaces (heapTotal 31 MiB for 15 MiB of live objects), and those pages stay resident
// for the whole upload. Capped at 1 MiB, a 1 GiB upload peaks at ~83 MiB instead of ~100 with no
// measurable CPU cost (README "Performance"). It must be a start-up flag: set later
// through v8.setFlagsFromString it has no effect. `env -S` splits the line (GNU coreutils ≥ 8.30,
// macOS, FreeBSD; npm's Windows shims read it too); bench/maas-cli.mjs runs with the same flags.
import { run } from '../dist/cli/run.js';

await run();

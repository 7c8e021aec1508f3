#!/usr/bin/env node
// Thin shim: the CLI lives in dist/cli (compiled from lib/cli by `npm run build`).
import { run } from '../dist/cli/run.js';

await run();

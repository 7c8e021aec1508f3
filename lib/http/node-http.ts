import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';

/**
 * node:http, loaded through `require` rather than an ESM `import`. An ESM import of a built-in
 * module makes Node copy every export into the module namespace, which calls every getter: on
 * Node.js 22 and 24 node:http's `WebSocket`, `CloseEvent` and `MessageEvent` getters load Node's
 * bundled undici (`internal/deps/undici/undici`), 13 MiB of RSS and ~35 ms of CPU in every process
 * that merely imports node:http (measured on Node 24.22.3; docs/performance.md). `require` returns
 * the exports object as it is, and those getters run only if read. Node 20's node:http has no
 * such getters. Every runtime use of node:http in lib/ goes through here
 * (test/imports.test.ts); type-only imports are erased and may name node:http directly.
 */
export const nodeHttp: typeof NodeHttp = createRequire(import.meta.url)('node:http') as typeof NodeHttp;

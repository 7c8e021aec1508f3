import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MaasConfigError } from '../errors/index.js';

/**
 * The SQLite driver under the profile database. Node.js ≥ 22.13 ships SQLite (`node:sqlite`,
 * https://nodejs.org/api/sqlite.html): nothing to compile or download, which is what an
 * air-gapped MAAS host needs. Node 20 has no SQLite of its own, so there the optional native
 * addon better-sqlite3 is used (docs/dependencies.md#better-sqlite3).
 */
export type SqliteBackend = 'node:sqlite' | 'better-sqlite3';

interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number | bigint };
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  close(): void;
}

interface OpenSqliteOptions {
  readonly: boolean;
  /** Milliseconds to wait on a locked database before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
  backend?: SqliteBackend;
}

type NodeSqlite = { DatabaseSync: new (path: string, options: { readOnly: boolean }) => SqliteDatabase };
type BetterSqlite = new (path: string, options: { readonly: boolean; fileMustExist: boolean }) => SqliteDatabase;

const require = createRequire(import.meta.url);

/** `node:sqlite` is unflagged from Node.js 22.13 (https://nodejs.org/api/sqlite.html#sqlite). */
export function defaultSqliteBackend(nodeVersion: string = process.versions.node): SqliteBackend {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? 'node:sqlite' : 'better-sqlite3';
}

/** Opens an existing database file with the chosen driver (the caller creates the file, 0600). */
export function openSqlite(path: string, opts: OpenSqliteOptions): SqliteDatabase {
  const backend = opts.backend ?? defaultSqliteBackend();
  const db =
    backend === 'node:sqlite'
      ? new (loadNodeSqlite().DatabaseSync)(path, { readOnly: opts.readonly })
      : openBetterSqlite(path, opts.readonly);
  // Both drivers honour the pragma, so the lock wait is set one way for both.
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(opts.busyTimeoutMs)}`);
  return db;
}

/** SQLite's result-code name (`SQLITE_BUSY`, …) from either driver's error. */
export function sqliteErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errcode?: unknown };
  // node:sqlite reports code ERR_SQLITE_ERROR with SQLite's numeric result in errcode (5 = SQLITE_BUSY).
  if (e.code === 'ERR_SQLITE_ERROR') return e.errcode === 5 ? 'SQLITE_BUSY' : 'SQLITE_ERROR';
  return typeof e.code === 'string' ? e.code : undefined;
}

let nodeSqlite: NodeSqlite | undefined;
let betterSqlite: BetterSqlite | undefined;

/**
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" when the module loads;
 * users get nothing from it, so that one warning (and no other) is dropped while it loads.
 */
function loadNodeSqlite(): NodeSqlite {
  if (nodeSqlite) return nodeSqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite ')) return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    nodeSqlite = require('node:sqlite') as NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

/**
 * better-sqlite3 is an optional dependency. It is missing when its native build failed (npm drops
 * a failed optional package), and its addon loads only in the constructor, where a build for
 * another Node.js ABI fails: either way, say so and how to fix it instead of the loader's stack.
 */
function openBetterSqlite(path: string, readonly: boolean): SqliteDatabase {
  try {
    betterSqlite ??= require('better-sqlite3') as BetterSqlite;
    return new betterSqlite(path, { readonly, fileMustExist: true });
  } catch (cause) {
    // SQLite's own errors (a locked or corrupt file) are the caller's to report.
    if (/^SQLITE_/.test(String((cause as { code?: unknown }).code))) throw cause;
    throw new MaasConfigError(
      `Node.js ${process.versions.node} has no built-in SQLite and the better-sqlite3 addon did not install, so the maas CLI profile database cannot be read. ` +
        `Use Node.js 22 or 24, or install python3, make and g++ and reinstall against this Node's own headers: ${reinstallCommand()}.`,
      { cause, code: 'SQLITE_DRIVER_MISSING' },
    );
  }
}

/**
 * How to build the addon again where it failed: with Node's own headers (node-gyp would otherwise
 * download them, which an air-gapped host cannot), from a clone through scripts/ensure-install.mjs
 * (which sets the same). `npm rebuild` cannot: npm drops an optional package whose install failed.
 */
function reinstallCommand(execPath: string = process.execPath): string {
  const prefix = dirname(dirname(execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? `npm_config_nodedir=${prefix} ` : '';
  return `\`${nodedir}npm install -g maas-esxi\` (in a clone: \`node scripts/ensure-install.mjs --force\`)`;
}

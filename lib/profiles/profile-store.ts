import { closeSync, constants, chmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { MaasConfigError } from '../errors/index.js';
import { normaliseApiUrl } from './api-url.js';
import { caCertPath, removeProfileCaCert } from './ca-file.js';
import { chooseProfileDb, homeFromEnv } from './db-location.js';
import { decodeProfileData, encodeProfileData, type MaasProfile } from './profile-record.js';
// The driver loads on first use only: commands run from MAAS_API_* never pay for it.
import { openSqlite, sqliteErrorCode, type SqliteBackend, type SqliteDatabase } from './sqlite.js';

// The official schema, verbatim (docs/maas-cli.md#profile-database-schema, canonical/maas `src/maascli/config.py:18-26`).
const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)';
// Python's sqlite3 waits 5 s on a locked database; do at least the same (docs/maas-cli.md#compatibility-rules rule 4).
const BUSY_TIMEOUT_MS = 5000;

export interface ProfileStoreOptions {
  /** Use this file instead of searching (profileDbCandidates). */
  path?: string;
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Open read-write and create the file (0600) if missing — only `login` does this. */
  create?: boolean;
  /** The SQLite driver; by default node:sqlite on Node.js ≥ 22.13, better-sqlite3 before. */
  backend?: SqliteBackend;
}

type Row = { name: string; data: unknown };

/**
 * The maas CLI's profile database, read and written exactly as the official CLI does
 * (docs/maas-cli.md#profile-database-location). Opened read-only (docs/maas-cli.md#compatibility-rules rule 4); `save` and `remove` switch to
 * a read-write connection when called. A missing database reads as empty and is only created
 * by `save` (login), as `maas login` is the only command that creates it (docs/maas-cli.md#files-and-permissions).
 */
export class ProfileStore {
  readonly path: string;
  /** The HOME the maas CLI uses alongside this file: `.maascli.certs/` lives here. */
  readonly certsHome: string;
  readonly #backend: SqliteBackend | undefined;
  #db: SqliteDatabase | undefined;
  #writable = false;

  private constructor(path: string, backend: SqliteBackend | undefined) {
    this.path = path;
    this.certsHome = dirname(path);
    this.#backend = backend;
  }

  static open(opts: ProfileStoreOptions = {}): ProfileStore {
    const env = opts.env ?? process.env;
    const home = opts.home ?? homeFromEnv(env);
    const path = opts.path ?? chooseProfileDb({ home, env }).path;
    const store = new ProfileStore(path, opts.backend);
    if (opts.create) store.#openWritable(true);
    else store.#openReadOnly();
    return store;
  }

  /** Every profile, in the order `maas list` shows them (rowid). */
  list(): MaasProfile[] {
    const db = this.#db;
    if (!db || !this.#hasTable(db)) return [];
    const rows = this.#run(() => db.prepare('SELECT name, data FROM profiles ORDER BY rowid').all() as Row[]);
    return rows.map((r) => decodeProfileData(String(r.name), r.data, this.path));
  }

  /** Names only: never parses (so never fails on) the data column. */
  names(): string[] {
    const db = this.#db;
    if (!db || !this.#hasTable(db)) return [];
    const rows = this.#run(() => db.prepare('SELECT name FROM profiles ORDER BY rowid').all() as { name: unknown }[]);
    return rows.map((r) => String(r.name));
  }

  get(name: string): MaasProfile | undefined {
    const db = this.#db;
    if (!db || !this.#hasTable(db)) return undefined;
    const row = this.#run(() => db.prepare('SELECT name, data FROM profiles WHERE name = ?').get(name) as Row | undefined);
    return row ? decodeProfileData(String(row.name), row.data, this.path) : undefined;
  }

  /** `maas login`'s write: INSERT OR REPLACE of the five official keys as Python JSON text. */
  save(profile: MaasProfile): void {
    validateProfile(profile);
    const db = this.#openWritable(true);
    const data = encodeProfileData(profile);
    // A JS string binds as TEXT, which is what Python's sqlite3 stores for a str (docs/maas-cli.md#profile-database-schema).
    this.#run(() => db.prepare('INSERT OR REPLACE INTO profiles (name, data) VALUES (?, ?)').run(profile.name, data));
  }

  /**
   * `maas logout`: delete the row (no error if absent) and `~/.maascli.certs/<name>.pem`
   * (docs/maas-cli.md#login-logout-list-refresh). Returns whether a row was deleted. Never creates the database.
   */
  remove(name: string): boolean {
    let deleted = false;
    const db = this.#openWritable(false);
    if (db && this.#hasTable(db)) {
      deleted = Number(this.#run(() => db.prepare('DELETE FROM profiles WHERE name = ?').run(name)).changes) > 0;
    }
    removeProfileCaCert(this.certsHome, name);
    return deleted;
  }

  /** `~/.maascli.certs/<name>.pem` next to this database. */
  caCertPath(name: string): string {
    return caCertPath(this.certsHome, name);
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
    this.#writable = false;
  }

  #openReadOnly(): void {
    if (!presentOrUnreadable(this.path)) return; // a missing database reads as empty (docs/maas-cli.md#files-and-permissions)
    try {
      this.#db = this.#open(true);
    } catch (err) {
      throw this.#error('open', err);
    }
  }

  /** Switch to a read-write connection; with `create`, make the 0600 file and the table first. */
  #openWritable(create: true): SqliteDatabase;
  #openWritable(create: false): SqliteDatabase | undefined;
  #openWritable(create: boolean): SqliteDatabase | undefined {
    if (this.#db && this.#writable) return this.#db;
    this.close();
    if (create) createPrivateFile(this.path);
    else if (!presentOrUnreadable(this.path)) return undefined;
    try {
      const db = this.#open(false);
      if (create) db.exec(CREATE_TABLE);
      this.#db = db;
      this.#writable = true;
      return db;
    } catch (err) {
      throw this.#error('open', err);
    }
  }

  #open(readonly: boolean): SqliteDatabase {
    return openSqlite(this.path, { readonly, busyTimeoutMs: BUSY_TIMEOUT_MS, backend: this.#backend });
  }

  #hasTable(db: SqliteDatabase): boolean {
    // The file may exist without the table (touched by a login that failed before connect).
    return this.#run(
      () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'profiles'").get() !== undefined,
    );
  }

  #run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof MaasConfigError) throw err;
      throw this.#error('use', err);
    }
  }

  #error(what: 'open' | 'use', err: unknown): MaasConfigError {
    if (err instanceof MaasConfigError) return err; // already says what is wrong and the fix (a missing driver)
    const code = sqliteErrorCode(err);
    const detail = err instanceof Error ? err.message : String(err);
    return new MaasConfigError(`Cannot ${what} the profile database ${this.path}: ${detail}`, {
      hint:
        code === 'SQLITE_BUSY'
          ? 'Another program holds a lock on the profile database; retry in a moment.'
          : 'Check that the file is a readable maas CLI profile database (set MAAS_ESXI_PROFILE_DB to use another).',
      code,
      cause: err,
    });
  }
}

/** Present, or there but unreadable (opening it later names the real problem): only ENOENT means absent. */
function presentOrUnreadable(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_RDONLY));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * `Path(dbpath).touch(mode=0o600)` (docs/maas-cli.md#files-and-permissions): create with 0600 before SQLite opens it,
 * and never change the mode of an existing file. We chmod a file we just created because a
 * umask could otherwise leave it unwritable (0400) or — never more open than 0600 — odd.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new MaasConfigError(`Cannot create the profile database ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    chmodSync(path, 0o600);
  } finally {
    closeSync(fd);
  }
}

function validateProfile(p: MaasProfile): void {
  const bad = (what: string): never => {
    throw new MaasConfigError(`Cannot save profile '${String(p.name)}': ${what}.`);
  };
  if (typeof p.name !== 'string' || p.name === '') bad('the name is empty');
  if (typeof p.url !== 'string' || normaliseApiUrl(p.url) !== p.url) bad('the URL is not a normalised API URL');
  if (p.credentials !== null) {
    if (!Array.isArray(p.credentials) || p.credentials.length !== 3 || !p.credentials.every((c) => typeof c === 'string')) {
      bad('credentials must be three strings or null');
    }
  }
  if (p.cacerts !== null && typeof p.cacerts !== 'string') bad('cacerts must be PEM text or null');
}

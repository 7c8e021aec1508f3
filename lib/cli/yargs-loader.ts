import { notStrictEqual, strictEqual } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type yargsDefault from 'yargs';

export type YargsFactory = typeof yargsDefault;

/** The few calls yargs makes on cliui, answered with plain text (what yargs renders is never shown). */
function plainColumns(): { div: (...cols: unknown[]) => void; span: (...cols: unknown[]) => void; toString: () => string } {
  const rows: string[] = [];
  const text = (cols: unknown[]): string => cols.map((c) => (typeof c === 'object' && c !== null && 'text' in c ? String(c.text) : String(c))).join(' ');
  return { div: (...cols) => void rows.push(text(cols)), span: (...cols) => void rows.push(text(cols)), toString: () => rows.join('\n') };
}

/**
 * yargs built by its own factory with the platform shim of its ESM entry
 * (yargs/lib/platform-shims/esm.mjs in yargs' package), except the help-rendering pieces: cliui
 * and string-width. Those render yargs' usage text, which the CLI never shows (help is lib/cli/help.ts, and parse-args
 * turns yargs' failures into our own lines), yet loading them cost ~50 ms of CPU on every command
 * (three copies of string-width, each building Unicode-property regexes and an Intl.Segmenter;
 * docs/performance.md). The factory and its dependencies are found from yargs' own entry, so the
 * copies yargs was installed with are used.
 */
async function lightYargs(): Promise<YargsFactory> {
  const entry = import.meta.resolve('yargs');
  const require = createRequire(entry);
  const file = fileURLToPath(entry);
  const factory: unknown = await import(new URL('./build/lib/yargs-factory.js', entry).href);
  const argvBin: unknown = await import(new URL('./build/lib/utils/process-argv.js', entry).href);
  const y18n = require('y18n') as (opts: { directory: string; updateFiles: boolean }) => unknown;
  const getCallerFile = require('get-caller-file') as (position: number) => string;
  const mainFilename = file.substring(0, file.lastIndexOf('node_modules'));
  const shim = {
    assert: { notStrictEqual, strictEqual },
    cliui: plainColumns,
    findUp: require('escalade/sync') as unknown,
    getEnv: (key: string) => process.env[key],
    inspect,
    getProcessArgvBin: (argvBin as { getProcessArgvBin: unknown }).getProcessArgvBin,
    mainFilename: mainFilename || process.cwd(),
    Parser: require('yargs-parser') as unknown,
    path: { basename, dirname, extname, relative, resolve, join },
    process: {
      argv: () => process.argv,
      cwd: process.cwd,
      emitWarning: (warning: string, type?: string) => process.emitWarning(warning, type),
      execPath: () => process.execPath,
      exit: (code?: number) => process.exit(code),
      nextTick: process.nextTick,
      stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null,
    },
    readFileSync,
    readdirSync,
    require,
    getCallerFile: () => {
      const caller = getCallerFile(3);
      return caller.startsWith('file://') ? fileURLToPath(caller) : caller;
    },
    stringWidth: (s: string) => s.length,
    y18n: y18n({ directory: join(dirname(file), 'locales'), updateFiles: false }),
  };
  return (factory as { YargsFactory: (shim: unknown) => YargsFactory }).YargsFactory(shim);
}

/** yargs without its help renderer; yargs' own entry if its layout is not the one known here. */
export async function loadYargs(): Promise<YargsFactory> {
  try {
    return await lightYargs();
  } catch {
    return (await import('yargs')).default;
  }
}

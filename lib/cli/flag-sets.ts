import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { ParsedArgs } from './command.js';
import { parseDataPair, UsageError, type DataPair } from './grammar.js';
import { parseByteSize, parseRate } from './sizes.js';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../upload/checks.js';

/**
 * Flag sets shared by several commands. Each set has a `declare` (yargs options) and a `parse`
 * (typed values), so a command declares and reads a set in one place.
 */

/** Options that take a value, by spelling: the global pre-parse must skip their value too. */
export const VALUE_FLAGS = new Set(['--cacerts', '--chunk-size', '--retries', '--regions', '--limit-rate', '--same-image', '--iso', '--template', '--output', '--timeout', '--var', '--kickstart-extra', '--esxi-version', '--image', '--user-data', '--parallel', '--poll', '--era', '--machines', '--racks', '--port', '--fault', '--data-dir', '--throttle']);

export function declareGlobalFlags(y: Argv): Argv {
  return y
    .option('json', { type: 'boolean', global: true, describe: 'print exactly one JSON document on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'no progress or log lines on stderr' })
    .option('debug', { alias: 'd', type: 'boolean', global: true, describe: 'trace HTTP requests on stderr (credentials redacted)' })
    .option('insecure', { alias: 'k', type: 'boolean', global: true, describe: 'do not verify the MAAS TLS certificate' })
    .option('cacerts', { type: 'string', global: true, describe: 'PEM file of the CA that signed the MAAS certificate' })
    .option('color', { type: 'boolean', global: true, describe: 'colour on stderr (default: on a TTY, unless NO_COLOR is set); --no-color turns it off' });
}

/** `key=value` / `key@=file` positionals (`[data..]`). */
export function declareData(y: Argv, describe = 'key=value / key@=file pairs, as the maas CLI'): Argv {
  return y.positional('data', { type: 'string', array: true, describe });
}

export function parseData(argv: ParsedArgs): DataPair[] {
  return ((argv['data'] as unknown[] | undefined) ?? []).map((a) => parseDataPair(String(a)));
}

/** How an upload runs (every command that starts or resumes one). */
export interface UploadFlags {
  chunkSize: number | undefined;
  dryRun: boolean;
  resume: boolean;
  retries: number | undefined;
  regions: number | undefined;
  /** `--limit-rate`: bytes per second at most. */
  limitRate: number | undefined;
  /** `--same-image`: what to do when MAAS 3.8 already stores this image under another name. */
  sameImage: 'refuse' | 'reuse' | 'rebuild' | undefined;
}

export function declareUploadFlags(y: Argv): Argv {
  return y
    .option('chunk-size', { type: 'string', describe: "bytes per request (default 8MiB, max 10MiB: the MAAS snap's nginx limit)" })
    .option('dry-run', { type: 'boolean', default: false, describe: 'plan only: sha256, size, chunk count, resume point; writes nothing' })
    .option('resume', { type: 'boolean', default: true, describe: 'resume a matching unfinished upload (--no-resume starts afresh)' })
    .option('retries', { type: 'number', requiresArg: true, describe: 'failed attempts in a row before giving up (default 8; resets on progress)' })
    .option('regions', { type: 'number', requiresArg: true, describe: 'region controllers behind the URL (default: as MAAS lists them): MAAS averages progress over them' })
    .option('limit-rate', { type: 'string', describe: 'upload at most RATE bytes/s, e.g. 500K, 2M, 1G (as curl --limit-rate)' })
    .option('same-image', {
      choices: ['refuse', 'reuse', 'rebuild'] as const,
      describe: 'MAAS 3.8, image already stored under another name: refuse (default), reuse that resource, or rebuild (empties it until done)',
    });
}

/** `--chunk-size`: checked here, so a mistake is a usage error quoting what was typed (not the engine's byte count). */
function parseChunkSize(text: string): number {
  const bytes = parseByteSize(text, '--chunk-size');
  if (bytes < MIN_CHUNK_SIZE || bytes > MAX_CHUNK_SIZE) {
    throw new UsageError(`--chunk-size ${text} is out of range.`, "Use a size from 64KiB to 10MiB (the MAAS snap's nginx limit); the default is 8MiB.");
  }
  return bytes;
}

/**
 * A whole-number flag (`--retries`, `--regions`, `--parallel`): yargs reads `x` as NaN and `2.5` as
 * 2.5, so anything but a whole number of at least `min` is a usage error (exit 2), never ignored.
 */
export function parseCount(value: unknown, flag: string, min: number, example: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const typed = typeof value === 'number' && Number.isNaN(value) ? '' : `, not '${String(value)}'`;
    throw new UsageError(`${flag} takes a whole number of at least ${min}${typed}.`, `Write e.g. ${flag} ${example}.`);
  }
  return value;
}

export function parseUploadFlags(argv: ParsedArgs): UploadFlags {
  const cs = argv['chunk-size'];
  const retries = argv['retries'];
  const regions = argv['regions'];
  return {
    chunkSize: typeof cs === 'string' ? parseChunkSize(cs) : undefined,
    dryRun: argv['dry-run'] === true,
    resume: argv['resume'] !== false,
    retries: parseCount(retries, '--retries', 0, 8),
    regions: parseCount(regions, '--regions', 1, 2),
    limitRate: typeof argv['limit-rate'] === 'string' ? parseRate(argv['limit-rate']) : undefined,
    sameImage: argv['same-image'] as UploadFlags['sameImage'],
  };
}

/** The environment variable our template reads the root password from (lib/packer/kickstart.ts ROOT_PASSWORD_ENV). */
export const ROOT_PASSWORD = 'MAAS_ESXI_ROOT_PASSWORD';

/** Help note of the commands that build. */
export const BUILD_ENV_NOTE =
  `Environment: ${ROOT_PASSWORD} sets the root password of the built ESXi image (7 to 39 characters mixing three of lower case, upper case, digits and other characters, ` +
  "without 'root'; checked before the build). Unset, a random password is generated and written to a 0600 file next to the image " +
  "(its path is printed, never the password); --published-default-password bakes packer-maas's public password123! instead.";

/** How a Packer build runs (`build`, `build-and-upload`); paths resolved against the command's cwd. */
export interface BuildFlags {
  iso: string;
  templateDir: string | undefined;
  outputDir: string;
  timeout: string | undefined;
  vars: Record<string, string>;
  keepBuildDir: boolean;
  /** Make what the template needs when that takes no root or network (packer-maas usb.img). */
  prepare: boolean;
  /** Kickstart snippet merged into our template's kickstart (absolute path). */
  kickstartExtra: string | undefined;
  /** `--published-default-password`: packer-maas's public root password instead of a random one. */
  publishedDefaultPassword: boolean;
}

export function declareBuildFlags(y: Argv): Argv {
  return y
    .option('iso', { type: 'string', demandOption: true, describe: 'the VMware ESXi installer ISO' })
    .option('template', { type: 'string', describe: 'template directory (default: our packer/vmware-esxi; a packer-maas vmware-esxi/ checkout works too)' })
    .option('output', { type: 'string', describe: 'directory for vmware-esxi.dd.gz (default: current directory)' })
    .option('timeout', { type: 'string', describe: 'Packer timeout for the installation, e.g. 1h' })
    .option('var', { type: 'string', array: true, describe: 'extra template variable k=v (repeatable)' })
    .option('keep-build-dir', { type: 'boolean', default: false, describe: "keep Packer's temporary build directory for debugging" })
    .option('prepare', { type: 'boolean', default: false, describe: 'make what the template needs when that takes no root or network (packer-maas usb.img from KS.CFG)' })
    .option('kickstart-extra', { type: 'string', describe: 'kickstart snippet merged into ours: commands and %pre/%post/%firstboot sections (checked before the build)' })
    .option('published-default-password', { type: 'boolean', default: false, describe: "bake packer-maas's PUBLIC root password password123! into the image instead of a random one (only without MAAS_ESXI_ROOT_PASSWORD)" });
}

export function parseBuildFlags(argv: ParsedArgs, cwd: string): BuildFlags {
  const path = (key: string): string | undefined => (typeof argv[key] === 'string' ? resolve(cwd, argv[key]) : undefined);
  return {
    iso: path('iso') ?? '',
    templateDir: path('template'),
    outputDir: path('output') ?? cwd,
    timeout: typeof argv['timeout'] === 'string' ? argv['timeout'] : undefined,
    vars: parseVars(argv['var']),
    keepBuildDir: argv['keep-build-dir'] === true,
    prepare: argv['prepare'] === true,
    kickstartExtra: path('kickstart-extra'),
    publishedDefaultPassword: argv['published-default-password'] === true,
  };
}

function parseVars(raw: unknown): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of (raw as unknown[] | undefined) ?? []) {
    const pair = parseDataPair(String(item));
    if (pair.fromFile || pair.key === '') throw new UsageError(`--var '${String(item)}' is not k=v.`, 'Write --var name=value.');
    vars[pair.key] = pair.value;
  }
  return vars;
}

import type { Argv } from 'yargs';
import type { MaasClient } from '../../client/maas-client.js';
import type { CliContext, GlobalFlags } from '../context.js';
import { parseDataPair, UsageError } from '../grammar.js';
import { parseByteSize, parseRate } from '../sizes.js';
import { runUpload, uploadOptionsFromPairs, type UploadFlags } from './upload-command.js';

export type Run = (work: (client: MaasClient, flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) => (argv: Record<string, unknown>) => void;

/** Options of every upload-starting command. */
export function uploadOptions(y: Argv): Argv {
  return y
    .option('chunk-size', { type: 'string', describe: 'bytes per request (default 8MiB, max 10MiB: the MAAS snap\'s nginx limit)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'plan only: sha256, size, chunk count, resume point; writes nothing' })
    .option('resume', { type: 'boolean', default: true, describe: 'resume a matching unfinished upload (--no-resume starts afresh)' })
    .option('retries', { type: 'number', describe: 'failed attempts in a row before giving up (default 8; resets on progress)' })
    .option('regions', { type: 'number', describe: 'region controllers behind the URL (default: as MAAS lists them): MAAS averages progress over them' })
    .option('limit-rate', { type: 'string', describe: 'upload at most RATE bytes/s, e.g. 500K, 2M, 1G (as curl --limit-rate)' })
    .option('same-image', { choices: ['refuse', 'reuse', 'rebuild'] as const, describe: 'MAAS 3.8, image already stored under another name: refuse (default), reuse that resource, or rebuild (empties it until done)' });
}

export function uploadFlagsOf(argv: Record<string, unknown>): UploadFlags {
  const cs = argv['chunk-size'];
  return {
    chunkSize: typeof cs === 'string' ? parseByteSize(cs, 'chunk-size') : undefined,
    dryRun: Boolean(argv['dry-run']),
    resume: argv['resume'] !== false,
    retries: typeof argv['retries'] === 'number' ? argv['retries'] : undefined,
    regions: typeof argv['regions'] === 'number' && argv['regions'] >= 1 ? Math.floor(argv['regions']) : undefined,
    limitRate: typeof argv['limit-rate'] === 'string' ? parseRate(argv['limit-rate']) : undefined,
    sameImage: argv['same-image'] as UploadFlags['sameImage'],
  };
}

function pairsOf(argv: Record<string, unknown>): ReturnType<typeof parseDataPair>[] {
  const raw = (argv['data'] as unknown[] | undefined) ?? [];
  return raw.map((a) => parseDataPair(String(a)));
}

async function createFromArgv(ctx: CliContext, client: MaasClient, flags: GlobalFlags, argv: Record<string, unknown>): Promise<void> {
  const opts = await uploadOptionsFromPairs(pairsOf(argv), ctx.io.cwd);
  if (opts.filetypeGuessed) ctx.out.info(`filetype not given; using filetype=${opts.filetype} from the file's content.`);
  const { filetypeGuessed: _ignored, ...uploadOpts } = opts;
  await runUpload(ctx, flags, client, uploadOpts, uploadFlagsOf(argv));
}

/** `PROFILE create …` — the resumable upload, named as python-libmaas and the maas CLI action. */
export function createCommand(ctx: CliContext, run: Run) {
  return {
    command: 'create [data..]',
    describe: 'upload an image as a boot resource, resumably (name=… architecture=… filetype=… content@=FILE)',
    builder: (y: Argv) => uploadOptions(y.positional('data', { type: 'string', array: true, describe: 'key=value / key@=file pairs' })),
    handler: run((client, flags, argv) => createFromArgv(ctx, client, flags, argv)),
  };
}

/** `PROFILE boot-resources ACTION …` — the maas CLI's handler, so its commands work verbatim. */
export function bootResourcesCommand(ctx: CliContext, run: Run) {
  return {
    command: 'boot-resources <action> [data..]',
    describe: 'boot resources: read [type=…], create …, import, stop-import, is-importing',
    builder: (y: Argv) =>
      uploadOptions(
        y
          .positional('action', { choices: ['read', 'create', 'import', 'stop-import', 'is-importing'] as const, describe: 'what to do' })
          .positional('data', { type: 'string', array: true }),
      ),
    handler: run(async (client, flags, argv) => {
      const action = String(argv['action']);
      if (action === 'create') return createFromArgv(ctx, client, flags, argv);
      const pairs = pairsOf(argv);
      if (action === 'read') {
        const type = pairs.find((p) => p.key === 'type');
        const extra = pairs.find((p) => p.key !== 'type');
        if (extra) throw new UsageError(`boot-resources read takes only type=…, not '${extra.key}'.`, 'Use type=all, type=synced or type=uploaded.');
        if (type?.fromFile) throw new UsageError('type@= reads a file; write type=VALUE.');
        const value = type && !type.fromFile ? type.value : undefined;
        ctx.out.result(await client.bootResources.list(value as 'all' | 'synced' | 'uploaded' | undefined, ctx.signal));
        return;
      }
      if (pairs.length > 0) throw new UsageError(`boot-resources ${action} takes no arguments.`);
      if (action === 'import') ctx.out.text(await client.bootResources.import(ctx.signal));
      else if (action === 'stop-import') ctx.out.text(await client.bootResources.stopImport(ctx.signal));
      else ctx.out.result(await client.bootResources.isImporting(ctx.signal));
    }),
  };
}

/** `PROFILE boot-resource read|delete ID`. */
export function bootResourceCommand(ctx: CliContext, run: Run) {
  return {
    command: 'boot-resource <action> <id>',
    describe: 'one boot resource: read ID, delete ID',
    builder: (y: Argv) =>
      y
        .positional('action', { choices: ['read', 'delete'] as const })
        .positional('id', { type: 'string', describe: 'the boot resource id' }),
    handler: run(async (client, _flags, argv) => {
      const id = Number(argv['id']);
      if (!Number.isInteger(id) || id <= 0) throw new UsageError(`'${String(argv['id'])}' is not a boot resource id.`, 'List them with: maas-esxi PROFILE boot-resources read');
      if (argv['action'] === 'read') {
        ctx.out.result(await client.bootResources.read(id, ctx.signal));
      } else {
        await client.bootResources.delete(id, ctx.signal);
        ctx.out.info(`Deleted boot resource ${id}.`);
      }
    }),
  };
}

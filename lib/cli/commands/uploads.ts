import type { Argv } from 'yargs';
import { UploadStateStore, type UploadState } from '../../upload/state-store.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../grammar.js';
import { runUpload } from './upload-command.js';
import { uploadFlagsOf, uploadOptions, type Run } from './resources.js';

function summary(s: UploadState): Record<string, unknown> {
  return {
    id: s.id,
    name: s.params.name,
    architecture: s.params.architecture,
    path: s.fingerprint.path,
    size: s.fingerprint.size,
    offset: s.offset,
    percent: Math.floor((1000 * s.offset) / Math.max(1, s.fingerprint.size)) / 10,
    maas: s.fingerprint.apiUrl,
    profile: s.profile ?? null,
    resourceId: s.resourceId,
    updatedAt: s.updatedAt,
  };
}

/** `PROFILE uploads [list|resume ID|forget ID]` — the resume state on this machine. */
export function uploadsCommand(ctx: CliContext, run: Run) {
  const store = (): UploadStateStore => new UploadStateStore(ctx.stateDir);
  const find = async (id: unknown): Promise<UploadState> => {
    if (typeof id !== 'string' || id === '') throw new UsageError('Which upload?', 'Pass its id; list them with: maas-esxi PROFILE uploads list');
    const states = await store().list();
    const matches = states.filter((s) => s.id.startsWith(id));
    if (matches.length !== 1) {
      throw new UsageError(matches.length === 0 ? `No saved upload '${id}'.` : `'${id}' matches ${matches.length} uploads.`, 'List them with: maas-esxi PROFILE uploads list');
    }
    return matches[0]!;
  };
  return {
    command: 'uploads [action] [id]',
    describe: 'unfinished resumable uploads: list, resume ID, forget ID',
    builder: (y: Argv) =>
      uploadOptions(
        y
          .positional('action', { choices: ['list', 'resume', 'forget'] as const, default: 'list' })
          .positional('id', { type: 'string', describe: 'upload id (a unique prefix is enough)' })
          .option('delete-remote', { type: 'boolean', default: false, describe: 'forget: also delete the unfinished boot resource in MAAS' }),
      ),
    handler: run(async (client, flags, argv) => {
      const action = String(argv['action'] ?? 'list');
      if (action === 'list') {
        const states = await store().list();
        if (states.length === 0) ctx.out.info('No unfinished uploads.');
        ctx.out.result(states.map(summary));
        return;
      }
      const state = await find(argv['id']);
      if (action === 'forget') {
        if (argv['delete-remote']) {
          await client.bootResources.delete(state.resourceId, ctx.signal);
          ctx.out.info(`Deleted boot resource ${state.resourceId}.`);
        }
        await store().remove(state.id);
        ctx.out.info(`Forgot upload ${state.id}.`);
        ctx.out.result(summary(state));
        return;
      }
      await runUpload(
        ctx,
        flags,
        client,
        { ...state.params, path: state.fingerprint.path, sha256: state.sha256, chunkSize: state.chunkSize },
        uploadFlagsOf(argv),
      );
    }),
  };
}

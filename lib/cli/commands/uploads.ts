import type { Argv } from 'yargs';
import type { UploadState } from '../../upload/state-store.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../grammar.js';
import { reportUpload, uploadRunOptions } from './upload-command.js';
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

/** `PROFILE uploads [list|resume ID|forget ID]` — a thin shell over the SDK's pending uploads. */
export function uploadsCommand(ctx: CliContext, run: Run) {
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
      const stateDir = ctx.stateDir;
      if (action === 'list') {
        const states = await client.bootResources.pendingUploads({ stateDir });
        if (states.length === 0) ctx.out.info('No unfinished uploads.');
        ctx.out.result(states.map(summary));
        return;
      }
      const id = argv['id'];
      if (typeof id !== 'string' || id === '') throw new UsageError('Which upload?', 'Pass its id; list them with: maas-esxi PROFILE uploads list');
      if (action === 'forget') {
        const { state, deletedResource } = await client.bootResources.forget(id, { stateDir, deleteRemote: Boolean(argv['delete-remote']), signal: ctx.signal });
        if (deletedResource) ctx.out.info(`Deleted boot resource ${state.resourceId}.`);
        else if (argv['delete-remote']) ctx.out.warn(`Boot resource ${state.resourceId} no longer holds this unfinished upload; left it alone.`);
        ctx.out.info(`Forgot upload ${state.id}.`);
        ctx.out.result(summary(state));
        return;
      }
      const upload = await client.bootResources.resume(id, uploadRunOptions(ctx, uploadFlagsOf(argv)));
      await reportUpload(ctx, flags, upload);
    }),
  };
}

import { stat } from 'node:fs/promises';
import { UploadConflictError } from '../../errors/index.js';
import { findFileBySha256 } from '../../resources/progress.js';
import { UploadStateStore, type UploadState } from '../../upload/state-store.js';
import { defineCommand, type RunContext } from '../command.js';
import { declareUploadFlags, parseUploadFlags, type UploadFlags } from '../flag-sets.js';
import { UsageError } from '../grammar.js';
import { runUpload } from '../upload-run.js';

interface UploadsOptions {
  action: 'list' | 'resume' | 'forget';
  /** Upload id or a unique prefix (resume, forget). */
  id: string | undefined;
  deleteRemote: boolean;
  upload: UploadFlags;
}

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

async function find(store: UploadStateStore, id: string | undefined): Promise<UploadState> {
  if (id === undefined || id === '') throw new UsageError('Which upload?', 'Pass its id; list them with: maas-esxi PROFILE uploads list');
  const matches = (await store.list()).filter((s) => s.id.startsWith(id));
  if (matches.length !== 1) {
    throw new UsageError(matches.length === 0 ? `No saved upload '${id}'.` : `'${id}' matches ${matches.length} uploads.`, 'List them with: maas-esxi PROFILE uploads list');
  }
  return matches[0]!;
}

async function forget(o: UploadsOptions, ctx: RunContext, store: UploadStateStore, state: UploadState): Promise<void> {
  if (o.deleteRemote) {
    const client = ctx.maas();
    if (state.fingerprint.apiUrl !== client.api.apiUrl) {
      throw new UsageError(`Upload ${state.id} went to ${state.fingerprint.apiUrl}, not to this profile's MAAS.`, 'Use the profile of that MAAS, or forget it without --delete-remote.');
    }
    // The id may since hold a newer image (a re-create keeps it, docs/maas-upload-protocol.md#same-name-and-architecture-twice): delete
    // only while it still has this upload's unfinished file.
    const resource = await client.bootResources.read(state.resourceId, ctx.signal).catch(() => undefined);
    const mine = resource && findFileBySha256(resource, state.sha256);
    if (mine && !mine.file.complete) {
      await client.bootResources.delete(state.resourceId, ctx.signal);
      ctx.out.info(`Deleted boot resource ${state.resourceId}.`);
    } else {
      ctx.out.warn(`Boot resource ${state.resourceId} no longer holds this unfinished upload; left it alone.`);
    }
  }
  await store.remove(state.id);
  ctx.out.info(`Forgot upload ${state.id}.`);
  ctx.out.result(summary(state));
}

async function resume(o: UploadsOptions, ctx: RunContext, state: UploadState): Promise<void> {
  // The saved sha256 is only valid for the very same file (a rebuilt image has the same path).
  const st = await stat(state.fingerprint.path).catch(() => undefined);
  const same = st && st.size === state.fingerprint.size && st.mtimeMs === state.fingerprint.mtimeMs && st.ino === state.fingerprint.ino;
  if (!same) {
    throw new UploadConflictError(`${state.fingerprint.path} is missing or has changed since upload ${state.id} started.`, {
      code: 'FILE_CHANGED',
      hint: `Run create again to upload the current file, and 'uploads forget ${state.id}' to drop the old state.`,
    });
  }
  await runUpload(ctx, ctx.maas(), { ...state.params, path: state.fingerprint.path, sha256: state.sha256, chunkSize: state.chunkSize }, o.upload);
}

/** `PROFILE uploads [list|resume ID|forget ID]` — the resume state on this machine. */
export const uploadsCommand = defineCommand<UploadsOptions>({
  command: 'uploads [action] [id]',
  summary: 'unfinished resumable uploads: list, resume ID, forget ID',
  examples: [
    ['maas-esxi admin uploads', 'list unfinished uploads with their offsets'],
    ['maas-esxi admin uploads resume 3f2a', 'resume upload 3f2a… (a unique prefix is enough)'],
    ['maas-esxi admin uploads forget 3f2a --delete-remote', 'drop the state and the unfinished resource in MAAS'],
  ],
  builder: (y) =>
    declareUploadFlags(
      y
        .positional('action', { choices: ['list', 'resume', 'forget'] as const, default: 'list' })
        .positional('id', { type: 'string', describe: 'upload id (a unique prefix is enough)' })
        .option('delete-remote', { type: 'boolean', default: false, describe: 'forget: also delete the unfinished boot resource in MAAS' }),
    ),
  parse: (argv) => ({
    action: (argv['action'] ?? 'list') as UploadsOptions['action'],
    id: typeof argv['id'] === 'string' ? argv['id'] : undefined,
    deleteRemote: argv['delete-remote'] === true,
    upload: parseUploadFlags(argv),
  }),
  async run(o, ctx) {
    const store = new UploadStateStore(ctx.stateDir);
    if (o.action === 'list') {
      const states = await store.list();
      if (states.length === 0) ctx.out.info('No unfinished uploads.');
      ctx.out.result(states.map(summary));
      return;
    }
    const state = await find(store, o.id);
    if (o.action === 'forget') await forget(o, ctx, store, state);
    else await resume(o, ctx, state);
  },
});

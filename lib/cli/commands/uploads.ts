import type { UploadState } from '../../upload/state-store.js';
import { defineCommand } from '../command.js';
import { declareUploadFlags, parseUploadFlags, type UploadFlags } from '../flag-sets.js';
import { formatBytes } from '../format.js';
import { UsageError } from '../grammar.js';
import { assertUploadOwner, maasUrlOf } from '../upload-owner.js';

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

/** `uploads list` for a person: one row per upload, columns aligned (gh's table printer). */
function uploadsTable(states: readonly UploadState[]): string {
  const rows = [
    ['ID', 'PROFILE', 'MAAS', 'NAME', 'ARCHITECTURE', 'SENT', 'FILE'],
    ...states.map((s) => [s.id.slice(0, 12), s.profile ?? '-', maasUrlOf(s.fingerprint.apiUrl), s.params.name, s.params.architecture, `${Math.floor((100 * s.offset) / Math.max(1, s.fingerprint.size))} % of ${formatBytes(s.fingerprint.size)}`, s.fingerprint.path]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

/** `PROFILE uploads [list|resume ID|forget ID]` — a thin shell over the SDK's pending uploads. */
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
    const stateDir = ctx.stateDir;
    if (o.action === 'list') {
      const states = await ctx.maas().bootResources.pendingUploads({ stateDir });
      if (states.length === 0) ctx.out.info('No unfinished uploads.');
      if (ctx.flags.json) ctx.out.result(states.map(summary));
      else if (states.length > 0) ctx.out.text(uploadsTable(states));
      return;
    }
    if (o.id === undefined || o.id === '') throw new UsageError('Which upload?', 'Pass its id; list them with: maas-esxi PROFILE uploads list');
    if (o.action === 'resume' || o.deleteRemote) {
      const states = await ctx.maas().bootResources.pendingUploads({ stateDir });
      const tail = o.action === 'resume' ? `uploads resume ${o.id}` : `uploads forget ${o.id} --delete-remote`;
      assertUploadOwner(states, o.id, ctx.maas().api.apiUrl, (profile) => `maas-esxi ${profile} ${tail}`);
    }
    if (o.action === 'forget') {
      const { state, deletedResource } = await ctx.maas().bootResources.forget(o.id, { stateDir, deleteRemote: o.deleteRemote, signal: ctx.signal });
      if (deletedResource) ctx.out.info(`Deleted boot resource ${state.resourceId}.`);
      else if (o.deleteRemote) ctx.out.warn(`Boot resource ${state.resourceId} no longer holds this unfinished upload; left it alone.`);
      ctx.out.info(`Forgot upload ${state.id}.`);
      ctx.out.result(summary(state));
      return;
    }
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const { reportUpload, uploadRunOptions } = await import('../upload-run.js');
    const id = o.id;
    await reportUpload(ctx, () => ctx.maas().bootResources.resume(id, uploadRunOptions(ctx, o.upload)), 'saved');
  },
});

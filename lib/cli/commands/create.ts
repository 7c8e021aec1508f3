import { stat } from 'node:fs/promises';
import { defineCommand } from '../command.js';
import { declareData, declareUploadFlags, parseData, parseUploadFlags, type UploadFlags } from '../flag-sets.js';
import { parseDataPair } from '../grammar.js';
import { declareParallelFlag, declareWaitReadyFlag, declareWaitReadyTimeout, parseParallel, parseWaitReady, parseWaitReadyTimeout, type WaitReadyFlag } from '../ops-flags.js';
import { CREATE_FIELDS } from '../create-fields.js';
import type { CreateFields } from '../upload-fields.js';
import { checkUploadImage, declareHookCheckFlag, parseHookCheck, withProvenance } from './inspect.js';

export interface CreateOptions {
  fields: CreateFields;
  upload: UploadFlags;
  /** `--wait-ready[=DURATION]`: wait until MAAS can deploy the image everywhere. */
  waitReady: WaitReadyFlag['waitReady'];
  /** `--parallel N` with several profiles (`site1,site2 create …`). */
  parallel: number;
  /** False with `--no-hook-check`. */
  hookCheck: boolean;
}

/**
 * `PROFILE create …` and `PROFILE boot-resources create …`: the resumable upload, with the
 * fields of MAAS's BootResourceForm (src/maasserver/forms/__init__.py BootResourceForm).
 */
export const createCommand = defineCommand<CreateOptions>({
  command: 'create [data..]',
  summary: 'upload an image as a boot resource, resumably (name=… architecture=… filetype=… content@=FILE)',
  fields: CREATE_FIELDS,
  examples: [
    ["maas-esxi admin boot-resources create name=esxi/8.0 title='VMware ESXi 8.0' architecture=amd64/generic filetype=ddgz content@=vmware-esxi.dd.gz", 'the maas CLI line, verbatim'],
    ['maas-esxi admin create name=esxi/8.0 architecture=amd64/generic content@=vmware-esxi.dd.gz --wait-ready', 'then wait until every rack/region can deploy it'],
    ['maas-esxi site1,site2,site3 create name=esxi/8.0 architecture=amd64/generic content@=vmware-esxi.dd.gz --parallel 3', 'three MAAS sites, one hash'],
  ],
  builder: (y) => declareHookCheckFlag(declareParallelFlag(declareWaitReadyTimeout(declareWaitReadyFlag(declareUploadFlags(declareData(y)))))),
  async parse(argv, ctx) {
    const { waitReady, swallowed } = parseWaitReadyTimeout(argv, parseWaitReady(argv));
    const pairs = [...parseData(argv), ...(swallowed ? [parseDataPair(swallowed)] : [])];
    const { uploadOptionsFromPairs } = await import('../upload-fields.js');
    return { fields: await uploadOptionsFromPairs(pairs, ctx.io.cwd), upload: parseUploadFlags(argv), waitReady, parallel: parseParallel(argv), hookCheck: parseHookCheck(argv) };
  },
  async run(o, ctx) {
    const { filetypeGuessed, declaredSize: _size, ignored: _ignored, ...given } = o.fields;
    const { fieldNotes } = await import('../upload-fields.js');
    for (const note of fieldNotes(o.fields, (await stat(given.path).catch(() => undefined))?.size)) ctx.out.warn(note);
    if (filetypeGuessed) ctx.out.info(`filetype not given; using filetype=${given.filetype} from the file's content.`);
    // What was typed is refused before the file is read: connecting checks the TLS flags (-k with --cacerts).
    const single = !ctx.profile?.includes(',');
    if (single) ctx.maas();
    const checked = await checkUploadImage(ctx, given, { hookCheck: o.hookCheck, dryRun: o.upload.dryRun });
    const fields = { ...given, name: checked.name, title: checked.title };
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const [{ runMultiSiteUpload, siteNames }, { runWaitReady }, { runUpload }] = await Promise.all([import('../multi-site.js'), import('../wait-ready-run.js'), import('../upload-run.js')]);
    const sites = siteNames(ctx);
    const wait = o.waitReady;
    if (sites) return runMultiSiteUpload(ctx, sites, fields, o.upload, o.parallel, wait);
    const client = ctx.maas();
    const then = wait ? async () => ({ ready: await runWaitReady(ctx, client, { ...wait, name: fields.name, architecture: fields.architecture }) }) : undefined;
    await runUpload(ctx, client, fields, o.upload, withProvenance(checked, then));
  },
});

import { defineCommand } from '../command.js';
import { BUILD_ENV_NOTE, declareBuildFlags, declareData, declareUploadFlags, parseBuildFlags, parseData, parseUploadFlags, type BuildFlags, type UploadFlags } from '../flag-sets.js';
import { formatBytes } from '../format.js';
import { parseDataPair, UsageError } from '../grammar.js';
import { CREATE_FIELDS } from '../create-fields.js';
import type { CreateFields } from '../upload-fields.js';
import { declareParallelFlag, declareWaitReadyFlag, parseParallel, parseWaitReady, type WaitReadyFlag } from '../ops-flags.js';
import { checkUploadImage, declareHookCheckFlag, parseHookCheck, withProvenance } from './inspect.js';

interface BuildAndUploadOptions {
  build: BuildFlags;
  upload: UploadFlags;
  /** The create fields, checked before the build starts (no content: the build makes it). */
  fields: CreateFields;
  waitReady: WaitReadyFlag['waitReady'];
  parallel: number;
  hookCheck: boolean;
}

/** `PROFILE build-and-upload --iso ISO name=… architecture=…`: the whole pipeline. */
export const buildAndUploadCommand = defineCommand<BuildAndUploadOptions>({
  command: 'build-and-upload [data..]',
  summary: 'build the image with Packer, then upload it resumably (hashes once)',
  fields: CREATE_FIELDS.filter((f) => f.name !== 'content' && f.name !== 'filetype'),
  examples: [
    ['maas-esxi admin build-and-upload --iso VMware-VMvisor-Installer-8.0U3.iso name=esxi/8.0 architecture=amd64/generic', 'build, then upload as esxi/8.0'],
    ["maas-esxi admin build-and-upload --iso esxi.iso name=esxi/8.0 title='VMware ESXi 8.0 U3' architecture=amd64/generic --chunk-size 4MiB", 'smaller chunks for a flaky link'],
    ["MAAS_ESXI_ROOT_PASSWORD='Maas-Esxi%42x' maas-esxi admin build-and-upload --iso esxi.iso --kickstart-extra site.ks name=esxi/8.0 architecture=amd64/generic", 'own root password and kickstart additions'],
  ],
  notes: [BUILD_ENV_NOTE],
  builder: (y) => declareHookCheckFlag(declareParallelFlag(declareWaitReadyFlag(declareUploadFlags(declareBuildFlags(declareData(y)))))),
  async parse(argv, ctx) {
    const { waitReady, swallowed } = parseWaitReady(argv);
    const pairs = [...parseData(argv), ...(swallowed ? [parseDataPair(swallowed)] : [])];
    if (pairs.some((p) => p.key === 'content')) throw new UsageError('build-and-upload uploads what it builds; drop content@=.');
    // Check the upload's fields before spending an hour on the build.
    const { uploadOptionsFromPairs } = await import('../upload-fields.js');
    const fields = await uploadOptionsFromPairs([...pairs, { key: 'content', path: '/dev/null', fromFile: true }, { key: 'filetype', value: 'ddgz', fromFile: false }], ctx.io.cwd);
    const build = parseBuildFlags(argv, ctx.io.cwd);
    const { checkKickstartInputs } = await import('../build-run.js');
    await checkKickstartInputs(build, ctx.io.env);
    return { build, upload: parseUploadFlags(argv), fields, waitReady, parallel: parseParallel(argv), hookCheck: parseHookCheck(argv) };
  },
  async run(o, ctx) {
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const [{ runMultiSiteUpload, siteNames }, { runWaitReady }, { runUpload }] = await Promise.all([import('../multi-site.js'), import('../wait-ready-run.js'), import('../upload-run.js')]);
    const sites = siteNames(ctx);
    const client = sites ? undefined : ctx.maas();
    const { buildOptionsOf, runBuild } = await import('../build-run.js');
    const built = await runBuild(ctx, buildOptionsOf(ctx, o.build));
    ctx.out.info(`Built ${built.artifactPath} (${formatBytes(built.size)}); uploading.`);
    const { filetypeGuessed: _guessed, declaredSize: _size, ignored: _ignored, ...fields } = o.fields;
    const { fieldNotes } = await import('../upload-fields.js');
    for (const note of fieldNotes(o.fields, built.size)) ctx.out.warn(note);
    const checked = await checkUploadImage(ctx, { ...fields, path: built.artifactPath, filetype: 'ddgz' }, { hookCheck: o.hookCheck, dryRun: o.upload.dryRun });
    const upload = { ...fields, name: checked.name, title: checked.title, path: built.artifactPath, filetype: 'ddgz' as const, sha256: built.sha256 };
    const wait = o.waitReady;
    if (sites) return runMultiSiteUpload(ctx, sites, upload, o.upload, o.parallel, wait, 'build');
    const then = wait ? async () => ({ ready: await runWaitReady(ctx, client!, { ...wait, name: upload.name, architecture: upload.architecture }) }) : undefined;
    await runUpload(ctx, client!, upload, o.upload, withProvenance(checked, then), 'build');
  },
});

import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { ImageInspection, ImageUploadCheck } from '../../inspect/index.js';
import type { UploadResult } from '../../upload/types.js';
import { defineCommand, type ParsedArgs, type RunContext } from '../command.js';
import { formatBytes } from '../format.js';
import { UsageError } from '../grammar.js';

interface InspectCommandOptions {
  path: string;
  sha256: boolean;
}

/** The inspect module loads only for the commands that read images. */
const inspector = (): Promise<typeof import('../../inspect/index.js')> => import('../../inspect/index.js');

/** `inspect IMAGE [--sha256]`: what a disk image holds, before it leaves (docs/image-inspection.md). */
export const inspectCommand = defineCommand<InspectCommandOptions>({
  command: 'inspect [image]',
  summary: 'show what a disk image holds: partitions, ESXi build, MAAS hooks, provenance',
  examples: [
    ['maas-esxi inspect vmware-esxi.dd.gz', 'partitions, ESXi release and build, hooks, provenance'],
    ['maas-esxi inspect vmware-esxi.dd.gz --sha256 --json', 'also the sha256 (kept for the upload), as one JSON document'],
  ],
  builder: (y) =>
    y
      .positional('image', { type: 'string', describe: 'the image file (.dd.gz, .dd.xz, .dd.bz2 or raw)' })
      .option('sha256', { type: 'boolean', default: false, describe: "also compute the file's sha256 (a whole read; cached for the upload)" }),
  parse(argv, ctx) {
    const image = argv['image'];
    if (typeof image !== 'string' || image === '') throw new UsageError('inspect needs the image file.', 'Run maas-esxi inspect IMAGE, e.g. maas-esxi inspect vmware-esxi.dd.gz.');
    return { path: resolve(ctx.io.cwd, image), sha256: argv['sha256'] === true };
  },
  async run(o, ctx) {
    const image = await (await inspector()).inspectImage(o.path, { sha256: o.sha256, stateDir: ctx.stateDir, signal: ctx.signal });
    for (const w of image.warnings) ctx.out.warn(w);
    if (ctx.flags.json) ctx.out.result(image);
    else ctx.out.text(describeImage(image));
  },
});

/** The human summary of an inspection (also shown by `create --dry-run`). */
function describeImage(image: ImageInspection): string {
  const expanded = image.expandedSize === null ? '' : `, ${formatBytes(image.expandedSize)} expanded`;
  const lines = [`${image.path}: ${image.filetype}, ${formatBytes(image.fileSize)}${expanded}`, `ESXi: ${esxiLine(image)}`, `MAAS hooks: ${hooksLine(image)}`, `Provenance: ${provenanceLine(image)}`];
  if (image.sha256) lines.push(`sha256: ${image.sha256}`);
  if (image.partitionTable.scheme === 'none') lines.push('Partitions: no partition table (neither GPT nor MBR).');
  else lines.push(`Partitions (${image.partitionTable.scheme.toUpperCase()}):`, ...partitionRows(image));
  return lines.join('\n');
}

function esxiLine(image: ImageInspection): string {
  const e = image.esxi;
  if (!e) return 'none found (not an ESXi disk, or no boot.cfg in the bootbank)';
  const update = e.update > 0 ? ` U${e.update}` : '';
  return `${e.release}${update}, build ${e.build} (${e.version}; ${e.layout} layout) → name=${e.name} title='${e.title}'`;
}

function hooksLine(image: ImageInspection): string {
  const h = image.hooks;
  if (h.kind === 'maas-esxi') return `maas-esxi's${h.payloadVersion ? ` (first-boot payload ${h.payloadVersion})` : ''}`;
  if (h.kind === 'packer-maas') return "packer-maas's (curtin/curtin-hooks and scripts.tar.xz)";
  if (h.kind === 'unknown') return 'curtin/curtin-hooks of unknown origin';
  return 'none: MAAS can write this image but curtin will not configure it';
}

function provenanceLine(image: ImageInspection): string {
  const p = image.provenance;
  if (!p) return 'none (not built by maas-esxi build)';
  const password = { 'published-default': "packer-maas's PUBLISHED default root password", random: 'random root password', environment: 'root password from MAAS_ESXI_ROOT_PASSWORD', unknown: 'root password from its own kickstart image' }[p.rootPassword];
  return `built ${p.builtAt} by maas-esxi ${p.maasEsxiVersion}${p.packerVersion ? ` with Packer ${p.packerVersion}` : ''} from ${p.iso.name} (${formatBytes(p.iso.size)}, sha256 ${p.iso.sha256.slice(0, 12)}…), template ${p.template.name}${p.template.version ? ` ${p.template.version}` : ''}, ${password}${p.kickstartExtraSha256 ? `, kickstart-extra sha256 ${p.kickstartExtraSha256.slice(0, 12)}…` : ''}`;
}

function partitionRows(image: ImageInspection): string[] {
  const rows = image.partitionTable.partitions.map((p) => [String(p.number), formatBytes(p.offset), formatBytes(p.size), p.typeName, p.fat ? `${p.fat.type} ${p.fat.label}`.trim() : p.read ? '' : '(not read)']);
  const header = ['#', 'start', 'size', 'type', 'file system'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

/** `--no-hook-check` of the commands that upload (create, build-and-upload). */
export function declareHookCheckFlag(y: Argv): Argv {
  return y.option('hook-check', { type: 'boolean', default: true, describe: 'refuse an ESXi image without MAAS hooks (--no-hook-check uploads it anyway)' });
}

export function parseHookCheck(argv: ParsedArgs): boolean {
  return argv['hook-check'] !== false;
}

/**
 * Before hashing: inspect the image, take name/title from it when not given, warn on a
 * contradiction, refuse an ESXi image without hooks (docs/image-inspection.md#hooks).
 */
export async function checkUploadImage(
  ctx: RunContext,
  fields: { path: string; filetype?: string | undefined; name: string; title?: string | undefined },
  opts: { hookCheck: boolean; dryRun: boolean },
): Promise<ImageUploadCheck> {
  const check = await (await inspector()).checkImageForUpload({ ...fields, filetype: fields.filetype ?? 'ddgz', hookCheck: opts.hookCheck, signal: ctx.signal });
  if (!fields.name) ctx.out.info(`name not given; using name=${check.name} title='${check.title ?? ''}' from the image.`);
  for (const w of check.warnings) ctx.out.warn(w);
  if (opts.dryRun && check.image) ctx.out.info(describeImage(check.image));
  return check;
}

type AfterUpload = (result: UploadResult) => Promise<Record<string, unknown>>;

/** The upload's --json result carries the image's provenance record (docs/image-inspection.md#provenance). */
export function withProvenance(check: ImageUploadCheck, then: AfterUpload | undefined): AfterUpload | undefined {
  const provenance = check.image?.provenance;
  if (!provenance) return then;
  return async (result) => ({ provenance, ...(then ? await then(result) : {}) });
}

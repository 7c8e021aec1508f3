import { stat } from 'node:fs/promises';
import { defineCommand } from '../command.js';
import { declareData, declareUploadFlags, parseData, parseUploadFlags, type UploadFlags } from '../flag-sets.js';
import { CREATE_FIELDS, fieldNotes, uploadOptionsFromPairs, type CreateFields } from '../upload-fields.js';
import { runUpload } from '../upload-run.js';

export interface CreateOptions {
  fields: CreateFields;
  upload: UploadFlags;
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
    ['maas-esxi admin create name=esxi/8.0 architecture=amd64/generic content@=vmware-esxi.dd.gz --chunk-size 4MiB', 'filetype from the content, smaller chunks'],
    ['maas-esxi admin create name=esxi/8.0 architecture=amd64/generic content@=vmware-esxi.dd.gz --dry-run', 'plan only: size, sha256, chunks, resume point'],
  ],
  builder: (y) => declareUploadFlags(declareData(y)),
  async parse(argv, ctx) {
    return { fields: await uploadOptionsFromPairs(parseData(argv), ctx.io.cwd), upload: parseUploadFlags(argv) };
  },
  async run(o, ctx) {
    const { filetypeGuessed, declaredSize: _size, ignored: _ignored, ...fields } = o.fields;
    for (const note of fieldNotes(o.fields, (await stat(fields.path).catch(() => undefined))?.size)) ctx.out.warn(note);
    if (filetypeGuessed) ctx.out.info(`filetype not given; using filetype=${fields.filetype} from the file's content.`);
    await runUpload(ctx, ctx.maas(), fields, o.upload);
  },
});

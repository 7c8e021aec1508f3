/**
 * The provenance record a build writes into the image next to its hooks
 * (docs/image-inspection.md#provenance): prepared here before Packer starts, stamped with
 * `builtAt` by our post-processor, read back from the finished image by inspect.
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ProvenanceRecord } from '../inspect/provenance.js';
import { sha256File } from '../upload/hash.js';
import type { IsoInfo } from './iso-inspect.js';
import type { RootPasswordOrigin } from './root-password.js';
import { defaultTemplateDir } from './template-dir.js';
import { packageVersion } from '../package-version.js';

/** Our template's variable for the record's path (packer/vmware-esxi/vmware-esxi.pkr.hcl). */
export const PROVENANCE_VARIABLE = 'provenance_file';

interface ProvenanceInputs {
  iso: string;
  isoInfo: IsoInfo | undefined;
  templateDir: string;
  packerVersion: string;
  kickstartExtra: string | undefined;
  rootPassword: RootPasswordOrigin;
  signal?: AbortSignal;
}

/** The record without `builtAt`, written to `<dir>/maas-esxi-provenance.json`; returns the path. */
export async function writeProvenanceInput(dir: string, inputs: ProvenanceInputs): Promise<string> {
  const iso = resolve(inputs.iso);
  const ours = resolve(inputs.templateDir) === defaultTemplateDir();
  const record: Omit<ProvenanceRecord, 'builtAt'> = {
    format: 1,
    maasEsxiVersion: packageVersion(),
    template: { name: ours ? 'maas-esxi vmware-esxi' : basename(inputs.templateDir), version: ours ? packageVersion() : null },
    iso: { name: basename(iso), size: (await stat(iso)).size, sha256: await sha256File(iso, inputs.signal ? { signal: inputs.signal } : {}) },
    esxi: { version: inputs.isoInfo?.esxiVersion ?? null, build: inputs.isoInfo?.build ?? null },
    kickstartExtraSha256: inputs.kickstartExtra ? await sha256File(resolve(inputs.kickstartExtra)) : null,
    packerVersion: inputs.packerVersion,
    rootPassword: inputs.rootPassword,
  };
  const path = join(dir, 'maas-esxi-provenance.json');
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  return path;
}

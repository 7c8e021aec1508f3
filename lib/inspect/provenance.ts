/**
 * The provenance record `maas-esxi build` writes next to the hooks on partition 1
 * (`curtin/maas-esxi-provenance.json`, docs/image-inspection.md#provenance): where the image came
 * from. It holds no secret: the root password's origin, never the password.
 */

export interface ProvenanceRecord {
  format: 1;
  maasEsxiVersion: string;
  template: { name: string; version: string | null };
  iso: { name: string; size: number; sha256: string };
  /** The ESXi release and build the ISO holds (its volume id and BOOT.CFG), e.g. `8.0U3` and `24022510`; null when unknown. */
  esxi: { version: string | null; build: string | null };
  /** sha256 of the `--kickstart-extra` snippet merged into the kickstart, or null. */
  kickstartExtraSha256: string | null;
  packerVersion: string | null;
  /**
   * `random`: generated for this build; `environment`: MAAS_ESXI_ROOT_PASSWORD; `published-default`:
   * packer-maas's public one; `unknown`: the caller brought their own kickstart image.
   */
  rootPassword: 'random' | 'environment' | 'published-default' | 'unknown';
  /** When the post-processor wrote the record, UTC (ISO 8601). */
  builtAt: string;
}

const PROVENANCE_FORMAT = 1;

/** The record in a file's bytes, or a reason it cannot be read. */
export function parseProvenance(bytes: Buffer): { record: ProvenanceRecord } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'The provenance record is not valid JSON.' };
  }
  if (!parsed || typeof parsed !== 'object') return { problem: 'The provenance record is not a JSON object.' };
  const r = parsed as Partial<ProvenanceRecord>;
  if (r.format !== PROVENANCE_FORMAT) return { problem: `The provenance record has format ${String(r.format)}; this maas-esxi reads format ${PROVENANCE_FORMAT}.` };
  if (typeof r.maasEsxiVersion !== 'string' || typeof r.builtAt !== 'string' || !r.iso || !r.template) return { problem: 'The provenance record lacks required fields.' };
  return { record: r as ProvenanceRecord };
}

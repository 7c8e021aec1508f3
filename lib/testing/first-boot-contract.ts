import { readFileSync } from 'node:fs';

/**
 * The ESXi first boot's event contract, read from the file the payload itself ships and reads
 * (packer/vmware-esxi/payload/maas_esxi/first_boot_steps.json, see packer/vmware-esxi/README.md
 * "Status events"), so the simulator's first boot posts exactly the payload's steps and texts.
 * `packer/` ships with the npm package; from `lib/testing/` and `dist/testing/` alike it is two
 * folders up.
 */
const CONTRACT_FILE = new URL('../../packer/vmware-esxi/payload/maas_esxi/first_boot_steps.json', import.meta.url);

const TEXT_KEYS = ['start', 'done', 'failed', 'success', 'failure'] as const;
type TextKey = (typeof TEXT_KEYS)[number];

interface FirstBootStep {
  name: string;
  what: string;
  /** The step whose metadata request makes MAAS mark the machine Deployed (user-data). */
  marksDeployed: boolean;
}

interface FirstBootContract {
  origin: string;
  verdictStep: string;
  maxCause: number;
  texts: Readonly<Record<TextKey, string>>;
  steps: readonly FirstBootStep[];
}

function fail(problem: string): never {
  throw new Error(`${CONTRACT_FILE.pathname}: ${problem}. Restore the file from the maas-esxi package.`);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') fail(`${what} is not a non-empty string`);
  return value;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function parseStep(value: unknown, index: number): FirstBootStep {
  const step = record(value, `steps[${index}]`);
  return { name: text(step.name, `steps[${index}].name`), what: text(step.what, `steps[${index}].what`), marksDeployed: step.marks_deployed === true };
}

/** Validates the JSON's shape: a broken file must fail loudly, not post half a contract. */
export function parseFirstBootContract(json: string): FirstBootContract {
  const raw = record(JSON.parse(json) as unknown, 'the contract');
  const texts = record(raw.texts, 'texts');
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) fail('steps is not a non-empty list');
  if (typeof raw.max_cause !== 'number' || raw.max_cause < 4) fail('max_cause is not a number above 3');
  return {
    origin: text(raw.origin, 'origin'),
    verdictStep: text(raw.verdict_step, 'verdict_step'),
    maxCause: raw.max_cause,
    texts: Object.fromEntries(TEXT_KEYS.map((key) => [key, text(texts[key], `texts.${key}`)])) as Record<TextKey, string>,
    steps: raw.steps.map(parseStep),
  };
}

let cached: FirstBootContract | undefined;

export function firstBootContract(): FirstBootContract {
  cached ??= parseFirstBootContract(readFileSync(CONTRACT_FILE, 'utf8'));
  return cached;
}

/**
 * One event description: the template's `{field}`s filled in as the payload's `str.format` does,
 * a cause made one line and cut like the payload's `one_line` (step_events.py).
 */
export function firstBootText(key: TextKey, fields: { step?: string; what?: string; cause?: string; steps?: number }): string {
  const contract = firstBootContract();
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) values[name] = String(value);
  if (fields.cause !== undefined) {
    const line = fields.cause.split(/\s+/).filter(Boolean).join(' ');
    values.cause = line.length <= contract.maxCause ? line : `${line.slice(0, contract.maxCause - 3)}...`;
  }
  return contract.texts[key].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

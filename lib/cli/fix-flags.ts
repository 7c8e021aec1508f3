import type { MaasError, MaasFix } from '../errors/index.js';
import { closedDuringTlsHandshake } from '../http/classify.js';

/**
 * SDK errors carry `fix` (lib/errors/index.ts MaasFix): the SDK option to change, a value that
 * works when known, or `rerun`. This table is the one place that says what each SDK option is on
 * the command line and what a CLI user does about it; the CLI's hint and its `--json` `fix` are
 * rendered from it, and the SDK's prose hint stays the SDK's (test/cli/fix-flags.test.ts fails
 * when an SDK `fix` option has no entry here).
 */
interface CliFixEntry {
  /** How the CLI user sets it: a flag, a `key=` field, an argument or a command; none: rerun. */
  flag?: string;
  /** The hint, in CLI words; `value` is the fix's value when the SDK knows one. */
  hint(value: MaasFix['value'], err: MaasError): string;
}

/** A size as a user types it (`8MiB`, `512KiB`); other values as they are. */
function asTyped(value: string | number | boolean): string | number | boolean {
  if (typeof value !== 'number') return value;
  return value % 1024 ** 2 === 0 ? `${value / 1024 ** 2}MiB` : value % 1024 === 0 ? `${value / 1024}KiB` : value;
}

const WHERE_URL = "the URL given to 'maas-esxi login', or MAAS_API_URL with the env profile";

/** What to check about the MAAS URL, by what went wrong (the error's code and URL). */
function checkUrl(err: MaasError): string {
  const host = hostOf(err.url);
  if (err.code === 'ECONNREFUSED') return `Nothing listens at ${host}: check the MAAS URL (${WHERE_URL}) and that the region controller is running.`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `Cannot resolve ${host}: check the MAAS URL (${WHERE_URL}).`;
  if (closedDuringTlsHandshake(err.message)) return `${host} closed the connection during the TLS handshake: if MAAS serves plain HTTP there (as on port 5240), use http:// in the MAAS URL (${WHERE_URL}).`;
  return `Check the MAAS URL (${WHERE_URL}): it should end in /MAAS/ (e.g. http://HOST:5240/MAAS/).`;
}

function hostOf(url: string | undefined): string {
  try {
    return url === undefined ? 'that address' : new URL(url).host;
  } catch {
    return 'that address';
  }
}

const LOGIN = "'maas-esxi login PROFILE URL -' (the key on stdin)";

export const CLI_FIXES: Readonly<Record<string, CliFixEntry>> = {
  apiKey: { flag: 'API key', hint: () => `Check the API key: log in again with ${LOGIN}, or set MAAS_API_KEY with the env profile.` },
  url: { flag: 'URL', hint: (value, err) => (value === undefined ? checkUrl(err) : `Write the URL as ${String(value)}.`) },
  ca: { flag: '--cacerts', hint: () => 'Pass the MAAS CA certificate with --cacerts FILE (or MAAS_API_CACERT), or --insecure to skip the check.' },
  insecure: { flag: '--insecure', hint: () => 'Pass --insecure to skip the certificate check.' },
  chunkSize: {
    flag: '--chunk-size',
    hint: (value) => `Rerun with a smaller --chunk-size${value === undefined ? '' : ` (e.g. --chunk-size ${asTyped(value)})`}: the MAAS snap's nginx takes at most 10 MiB per request.`,
  },
  limitRate: { flag: '--limit-rate', hint: () => 'Give --limit-rate at least 1K (e.g. 500K, 2M).' },
  // The CLI has no flag for it: waiting longer for a stalled server is a rerun.
  headersTimeoutMs: { hint: () => 'Rerun the same command when the link or the server is less busy: an upload resumes where it stopped.' },
  timeoutMs: {
    flag: '--timeout',
    hint: (_v, err) =>
      err.code === 'DEPLOY_TIMEOUT'
        ? "Check the machine's console and event log, then follow it again with a longer --timeout (e.g. --timeout 90m)."
        : "Check the controllers' image sync (Controllers page, `maas PROFILE rack-controller list-boot-images ID`), then wait again with a longer --timeout (e.g. --timeout 1h).",
  },
  path: { flag: 'content@=FILE', hint: () => "Upload the current file with 'maas-esxi PROFILE create', and drop the old state with 'maas-esxi PROFILE uploads forget ID' (the upload named above)." },
  id: { flag: 'ID', hint: () => "List them with 'maas-esxi PROFILE uploads list'." },
  name: { flag: 'name=', hint: () => "Upload it first ('maas-esxi PROFILE create'), or check name= and architecture=." },
  machine: { flag: 'MACHINE', hint: () => 'Wait until the machine is Ready (or Allocated to you), or pick another machine.' },
  release: { flag: 'maas PROFILE machine release', hint: (value) => `Release it first ('maas PROFILE machine release ${value === undefined ? 'SYSTEM_ID' : String(value)}'), then deploy again.` },
  sameImage: { flag: '--same-image', hint: (value) => (value === undefined ? 'Rerun with --same-image reuse or --same-image rebuild.' : `Rerun with --same-image ${String(value)}.`) },
  resume: { flag: '--no-resume', hint: () => 'Rerun with --no-resume to start afresh.' },
};

const RERUN = 'Rerun the same command: an upload resumes where it stopped.';

/** The hint a CLI user reads for this fix, or undefined when the fix names no option the CLI knows. */
export function hintFromFix(err: MaasError): string | undefined {
  const fix = err.fix;
  if (!fix) return undefined;
  const entry = fix.option === undefined ? undefined : CLI_FIXES[fix.option];
  if (entry) return entry.hint(fix.value, err);
  return fix.rerun ? RERUN : undefined;
}

/** The `--json` error document's `fix`, in CLI words: `{flag, value?}` or `{rerun: true}`. */
export function cliFix(fix: MaasFix | undefined): Record<string, unknown> | undefined {
  if (!fix) return undefined;
  const entry = fix.option === undefined ? undefined : CLI_FIXES[fix.option];
  if (entry?.flag) return { flag: entry.flag, ...(fix.value === undefined ? {} : { value: asTyped(fix.value) }) };
  return entry || fix.rerun ? { rerun: true } : undefined;
}

import type { Argv } from 'yargs';
import type { ParsedArgs } from './command.js';
import { isDuration, parseDuration } from './durations.js';
import { UsageError } from './grammar.js';
import { parseCount } from './flag-sets.js';

/** `--wait-ready[=DURATION]`'s default: MAAS's rack import of a 6 GB image can take a while. */
export const DEFAULT_WAIT_READY_MS = 30 * 60_000;

/** `--wait-ready[=DURATION]` on the upload commands. */
export function declareWaitReadyFlag(y: Argv): Argv {
  return y
    .option('wait-ready', {
      type: 'string',
      describe: 'after the upload, wait until every rack (MAAS ≤3.4) or region (3.5+) can deploy the image; default 30m (write --wait-ready=1h)',
    })
    .option('poll', { type: 'string', describe: 'with --wait-ready: time between checks (default 5s)' });
}

/**
 * The wait, in ms (undefined: no wait), and a positional yargs may have taken as its value
 * (`--wait-ready name=esxi/8.0`), given back to the data pairs.
 */
export interface WaitReadyFlag {
  /** undefined: no wait. */
  waitReady: { timeoutMs: number; pollMs: number | undefined } | undefined;
  swallowed: string | undefined;
}

export function parseWaitReady(argv: ParsedArgs): WaitReadyFlag {
  const raw = argv['wait-ready'];
  const poll = argv['poll'];
  const pollMs = typeof poll === 'string' ? parseDuration(poll, '--poll') : undefined;
  const wait = (timeoutMs: number, swallowed?: string): WaitReadyFlag => ({ waitReady: { timeoutMs, pollMs }, swallowed });
  if (raw === undefined || raw === false) return { waitReady: undefined, swallowed: undefined };
  const text = Array.isArray(raw) ? String(raw.at(-1)) : String(raw);
  if (text === '' || text === 'true') return wait(DEFAULT_WAIT_READY_MS);
  if (isDuration(text)) return wait(parseDuration(text, '--wait-ready'));
  if (text.includes('=')) return wait(DEFAULT_WAIT_READY_MS, text);
  throw new UsageError(`--wait-ready '${text}' is not a duration.`, 'Write --wait-ready (30 minutes) or --wait-ready=1h.');
}

/**
 * `create --wait-ready --timeout 1h`: `wait-ready` and `deploy` take --timeout, so create does too
 * (build-and-upload's --timeout is Packer's, so there it stays --wait-ready=DURATION).
 */
export function declareWaitReadyTimeout(y: Argv): Argv {
  return y.option('timeout', { type: 'string', describe: 'with --wait-ready: give up waiting after this long (default 30m), e.g. 1h' });
}

export function parseWaitReadyTimeout(argv: ParsedArgs, flag: WaitReadyFlag): WaitReadyFlag {
  const timeout = argv['timeout'];
  if (typeof timeout !== 'string') return flag;
  if (!flag.waitReady) throw new UsageError('--timeout applies to --wait-ready.', 'Add --wait-ready, or leave --timeout out.');
  return { ...flag, waitReady: { ...flag.waitReady, timeoutMs: parseDuration(timeout, '--timeout') } };
}

/** `--timeout DURATION` and `--poll DURATION` of the waiting commands. */
export function declareWaitFlags(y: Argv, defaultTimeout: string): Argv {
  return y
    .option('timeout', { type: 'string', describe: `give up after this long (default ${defaultTimeout}), e.g. 45m or 1h30m` })
    .option('poll', { type: 'string', describe: 'time between checks (default 5s)' });
}

export function parseWaitFlags(argv: ParsedArgs, defaultTimeoutMs: number): { timeoutMs: number; pollMs: number | undefined } {
  const timeout = argv['timeout'];
  const poll = argv['poll'];
  return {
    timeoutMs: typeof timeout === 'string' ? parseDuration(timeout, '--timeout') : defaultTimeoutMs,
    pollMs: typeof poll === 'string' ? parseDuration(poll, '--poll') : undefined,
  };
}

/** `--parallel N` for several sites. */
export function declareParallelFlag(y: Argv): Argv {
  return y.option('parallel', { type: 'number', requiresArg: true, describe: 'with several profiles (a,b,c): sites uploading at once (default 1, one after the other)' });
}

export function parseParallel(argv: ParsedArgs): number {
  return parseCount(argv['parallel'], '--parallel', 1, 3) ?? 1;
}

import { VALUE_FLAGS } from './flag-sets.js';

/**
 * `maas` takes its flags anywhere on the line; yargs wants command words first. Move the
 * options written before the first word (the profile or top-level command) to the end, so
 * `maas-esxi --json -d admin boot-resources read` parses as `admin boot-resources read --json -d`.
 */
export function moveLeadingFlags(args: readonly string[]): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-') && args[i] !== '-' && args[i] !== '--') {
    const arg = args[i]!;
    leading.push(arg);
    i += 1;
    if (VALUE_FLAGS.has(arg) && i < args.length) {
      leading.push(args[i]!);
      i += 1;
    }
  }
  return [...args.slice(i), ...leading];
}

/** The flags that shape error output, read before yargs runs (and when yargs fails). */
export function earlyGlobalFlags(args: readonly string[]): { json: boolean; quiet: boolean; noColor: boolean } {
  return {
    json: args.includes('--json'),
    quiet: args.includes('--quiet') || args.includes('-q'),
    noColor: args.includes('--no-color'),
  };
}

/** Words of the command line (no options and no option values), in order. */
export function commandWords(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i]!;
    if (a.startsWith('-') && a !== '-') {
      if (VALUE_FLAGS.has(a)) i += 1;
      continue;
    }
    words.push(a);
  }
  return words;
}


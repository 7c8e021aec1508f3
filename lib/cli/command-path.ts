import { commandName, type AnyCommand } from './command.js';
import { GROUPS, PROFILE, TOP_LEVEL, type CommandGroup } from './commands/index.js';
import { UsageError } from './grammar.js';
import { didYouMean } from './suggest.js';

/** Words that are not profile names (a profile cannot be called like these). */
export const RESERVED_WORDS = [...TOP_LEVEL.map(commandName), 'help', 'env', '__complete'];

/** What the command words name: a command to run, or a help page. */
type CommandPath =
  | { kind: 'command'; spec: AnyCommand; profile: string | undefined; path: string[] }
  | { kind: 'top-help' }
  | { kind: 'profile-help'; profile: string; group: CommandGroup | undefined };

/** The words that follow a profile: its commands and groups (create, boot-resources, uploads, …). */
const PROFILE_WORDS: readonly string[] = [...PROFILE.map(commandName), ...GROUPS.map((g) => g.name)];

const quoteList = (names: readonly string[]): string => names.join(', ');

/** `maas-esxi PROFILE …`: the profile command, group or group action the next words name. */
function resolveProfileWords(profile: string, words: readonly string[], wantsHelp: boolean): CommandPath {
  const [second, third] = words;
  if (second === undefined) {
    if (wantsHelp) return { kind: 'profile-help', profile, group: undefined };
    throw new UsageError(`Choose a command after the profile: ${quoteList(PROFILE_WORDS)}.`, `Run 'maas-esxi ${profile} --help' for usage.`);
  }
  const spec = PROFILE.find((c) => commandName(c) === second);
  if (spec) return { kind: 'command', spec, profile, path: [profile, second] };
  const group = GROUPS.find((g) => g.name === second);
  if (!group) {
    throw new UsageError(`Unknown command '${second}'${didYouMean(second, PROFILE_WORDS) || `; choose ${quoteList(PROFILE_WORDS)}.`}`, `Run 'maas-esxi ${profile} --help' for usage.`);
  }
  const actions = group.commands.map(commandName);
  if (third === undefined) {
    if (wantsHelp) return { kind: 'profile-help', profile, group };
    throw new UsageError(`Choose an action of ${group.name}: ${quoteList(actions)}.`, `Run 'maas-esxi ${profile} ${group.name} --help' for usage.`);
  }
  const action = group.commands.find((c) => commandName(c) === third);
  if (!action) {
    throw new UsageError(
      `Unknown action '${third}' of ${group.name}${didYouMean(third, actions) || `; choose ${quoteList(actions)}.`}`,
      `Run 'maas-esxi ${profile} ${group.name} --help' for usage.`,
    );
  }
  return { kind: 'command', spec: action, profile, path: [profile, group.name, third] };
}

/**
 * Resolve the command words (options left out) against the registry and the known profiles.
 * With `--help`, an unknown profile name is fine: reading about a command needs no login.
 */
export function resolveCommandPath(words: readonly string[], profiles: readonly string[], wantsHelp: boolean): CommandPath {
  const [first, ...rest] = words;
  if (first === undefined || first === 'help') return { kind: 'top-help' };
  const top = TOP_LEVEL.find((c) => commandName(c) === first);
  if (top) return { kind: 'command', spec: top, profile: undefined, path: [first] };
  const isProfile = (p: string): boolean => p === 'env' || profiles.includes(p);
  // A command that goes after a profile, typed without one (`maas-esxi create …`, as if `maas`
  // were not in the habit of a profile first): say so, instead of calling 'create' an unknown profile.
  if (!isProfile(first) && PROFILE_WORDS.includes(first)) {
    if (wantsHelp) return resolveProfileWords('PROFILE', words, true);
    const yours = profiles.length ? `one of your profiles (${profiles.join(', ')})` : `a profile (log in first: maas-esxi login NAME http://HOST:5240/MAAS/ -, the API key on stdin)`;
    throw new UsageError(`'${first}' needs a profile before it: maas-esxi PROFILE ${words.join(' ')}.`, `Use ${yours}, or env with MAAS_API_URL and MAAS_API_KEY set.`);
  }
  // `site1,site2,site3 COMMAND`: several profiles (env included), for the commands that fan out.
  if (isProfile(first) || (first.includes(',') && first.split(',').every(isProfile)) || wantsHelp) return resolveProfileWords(first, rest, wantsHelp);
  const suggestion = didYouMean(first, [...TOP_LEVEL.map(commandName), 'env', ...profiles]);
  const unknown = suggestion ? `Unknown command or profile '${first}'${suggestion}` : `Unknown profile '${first}'${profiles.length ? ` (profiles: ${profiles.join(', ')})` : ''}.`;
  const fix = suggestion
    ? "Run 'maas-esxi --help' for usage."
    : `Log in first: maas-esxi login ${first} http://HOST:5240/MAAS/ - (the API key on stdin) — or run 'maas-esxi env …' with MAAS_API_URL and MAAS_API_KEY set.`;
  // A login would not fix a mistyped command after the profile: say that first, then the profile.
  // (Unless the first word is itself a mistyped command, `lgin admin URL`: then the rest are its arguments.)
  const typo = didYouMean(first, TOP_LEVEL.map(commandName)) ? undefined : commandTypoAfter(first, rest);
  if (typo) throw new UsageError(typo, `Also, '${first}' is not a profile${suggestion || `: log in first (maas-esxi login ${first} http://HOST:5240/MAAS/ -, the API key on stdin).`}`);
  throw new UsageError(unknown, fix);
}

/** The message for an unknown command or action in the words after a profile, if there is one. */
function commandTypoAfter(profile: string, rest: readonly string[]): string | undefined {
  if (rest.length === 0) return undefined;
  try {
    resolveProfileWords(profile, rest, false);
    return undefined;
  } catch (err) {
    return err instanceof UsageError && err.message.startsWith('Unknown ') ? err.message : undefined;
  }
}

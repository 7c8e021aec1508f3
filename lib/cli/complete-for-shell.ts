import { defaultStateDir } from '../upload/state-dir.js';
import { cachedArchitectures } from './architecture-cache.js';
import { RESERVED_WORDS } from './command-path.js';
import { complete, forShellWord, shellSplit } from './completion.js';
import { EXIT } from './exit-codes.js';
import { cachedMachines } from './machine-cache.js';
import type { CliIO } from './output.js';
import { profileNamesForTab } from './profile-names.js';

/**
 * `maas-esxi __complete --cur WORD --line LINE`: one candidate per line, for the completion
 * scripts. bin/maas-esxi loads this module alone for a Tab (not lib/cli/main.ts: no help, output
 * or SDK error rendering), so a Tab stays within bench/startup.mjs's budget.
 */
export async function completeForShell(args: readonly string[], io: Pick<CliIO, 'stdout' | 'env' | 'home' | 'cwd'>): Promise<number> {
  const value = (flag: string): string => {
    const i = args.indexOf(flag);
    return i === -1 ? '' : (args[i + 1] ?? '');
  };
  const words = shellSplit(value('--line'));
  const stateDir = defaultStateDir(io.env, io.home);
  const candidates = complete(words, {
    profiles: (await profileNamesForTab(io, stateDir)).filter((p) => !RESERVED_WORDS.includes(p)),
    cwd: io.cwd,
    architectures: (profile) => cachedArchitectures(stateDir, profile),
    machines: (profile) => cachedMachines(stateDir, profile),
  });
  const lines = forShellWord(candidates, words[words.length - 1] ?? '', value('--cur'));
  if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

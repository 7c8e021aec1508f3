import { basename } from 'node:path';
import { defineCommand } from '../command.js';
import { completionScript } from '../completion-scripts.js';
import { UsageError } from '../grammar.js';

interface CompletionOptions {
  shell: 'bash' | 'zsh';
}

/** `completion [bash|zsh]`: the script; the completing itself is `maas-esxi __complete` (lib/cli/completion.ts). */
export const completionCommand = defineCommand<CompletionOptions>({
  command: 'completion [shell]',
  summary: 'print the bash or zsh completion script (profiles, commands, key= fields and values, files)',
  examples: [
    ['maas-esxi completion bash >> ~/.bashrc', 'bash: complete in every new shell'],
    ['maas-esxi completion zsh > "${fpath[1]}/_maas-esxi"', 'zsh: install as a completion function (after compinit)'],
  ],
  builder: (y) => y.positional('shell', { type: 'string', describe: 'bash or zsh (default: from $SHELL)' }),
  parse(argv, ctx) {
    const shell = typeof argv['shell'] === 'string' ? argv['shell'] : basename(ctx.io.env['SHELL'] ?? '') === 'zsh' ? 'zsh' : 'bash';
    if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`No completion for '${shell}'.`, 'Use maas-esxi completion bash, or maas-esxi completion zsh.');
    return { shell };
  },
  async run(o, ctx) {
    ctx.out.text(completionScript(o.shell));
  },
});

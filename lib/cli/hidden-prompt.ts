import { MaasAbortError } from '../errors/index.js';
import type { CliIO } from './output.js';

type RawStdin = CliIO['stdin'] & { setRawMode?: (on: boolean) => unknown };

/**
 * Ask for a secret on the terminal without echoing it, as `maas login` does with getpass
 * (src/maascli/auth.py obtain_credentials). Enter ends the line; Ctrl-C or Ctrl-D abandons it.
 */
export async function readHiddenLine(io: Pick<CliIO, 'stdin' | 'stderr'>, prompt: string): Promise<string> {
  const stdin = io.stdin as RawStdin;
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  let typed = '';
  try {
    for await (const chunk of stdin) {
      for (const c of String(chunk)) {
        if (c === '\r' || c === '\n') return typed.trim();
        if (c === '\u0003' || c === '\u0004') throw new MaasAbortError('Interrupted while reading the API key.', { code: 'ABORTED' });
        typed = c === '\u007f' || c === '\b' ? typed.slice(0, -1) : typed + c;
      }
    }
    return typed.trim();
  } finally {
    stdin.setRawMode?.(false);
    io.stderr.write('\n');
  }
}

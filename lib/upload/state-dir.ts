import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_STATE_HOME/maas-esxi`, default `~/.local/state/maas-esxi` (XDG Base Directory spec). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env['XDG_STATE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.local', 'state'), 'maas-esxi');
}

import { readFileSync } from 'node:fs';

let version: string | undefined;

/** maas-esxi's own version, from its package.json (read once); 'unknown' if that cannot be read. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

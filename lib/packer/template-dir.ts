/** Where our shipped ESXi template lives: `<package root>/packer/vmware-esxi`. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'maas-esxi';

/**
 * Walks up from this module to the package root, so it works from `lib/` (tests, ts sources),
 * from `dist/` and from an installed `node_modules/maas-esxi/dist/`.
 */
function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
    dir = up;
  }
}

export function defaultTemplateDir(): string {
  return join(packageRoot(), 'packer', 'vmware-esxi');
}

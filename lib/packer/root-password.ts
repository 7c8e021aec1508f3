/**
 * The build's root password (docs/image-inspection.md#provenance): MAAS_ESXI_ROOT_PASSWORD when
 * set; otherwise a random one, so no image ships with packer-maas's published `password123!`
 * unless asked for (`publishedDefaultPassword`). A generated password is written once, 0600,
 * next to the image; only its path is ever printed.
 */
import { randomInt } from 'node:crypto';
import { open } from 'node:fs/promises';
import { rootPasswordProblems } from './kickstart-extra.js';
import type { ProvenanceRecord } from '../inspect/provenance.js';

export type RootPasswordOrigin = ProvenanceRecord['rootPassword'];

export interface RootPasswordChoice {
  origin: RootPasswordOrigin;
  /** The generated password (origin `random`); undefined otherwise. */
  generated: string | undefined;
}

/** ESXi's rules (packer/vmware-esxi/scripts/esxi_password.py): 7–39 printable characters, three classes, no quotes, backslashes or `root`. */
const CLASSES = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_%+=.,:@#^*'];
const LENGTH = 20;

export function chooseRootPassword(env: NodeJS.ProcessEnv, envName: string, publishedDefault: boolean): RootPasswordChoice & { origin: Exclude<RootPasswordOrigin, 'unknown'> } {
  if (env[envName]) return { origin: 'environment', generated: undefined };
  if (publishedDefault) return { origin: 'published-default', generated: undefined };
  return { origin: 'random', generated: randomPassword() };
}

/** Five of each class, shuffled (crypto RNG); redrawn in the unlikely case ESXi's counting rules refuse it. */
export function randomPassword(): string {
  for (;;) {
    const chars = CLASSES.flatMap((set) => Array.from({ length: LENGTH / CLASSES.length }, () => set[randomInt(set.length)]!));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const password = chars.join('');
    if (rootPasswordProblems(password).length === 0) return password;
  }
}

/** `vmware-esxi.dd.gz` → `vmware-esxi.root-password`, next to it. */
export function passwordFileFor(artifactPath: string): string {
  return artifactPath.replace(/(\.dd)?\.(gz|xz|bz2)$/, '') + '.root-password';
}

/** Write the password to a new 0600 file (an existing one from an older build is replaced, still 0600). */
export async function writePasswordFile(path: string, password: string): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(`${password}\n`);
  } finally {
    await fh.close();
  }
}

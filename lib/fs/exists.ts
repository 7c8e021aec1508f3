import { lstat, stat } from 'node:fs/promises';

/**
 * Whether something is at `path`. `followLinks: false` asks about the link itself (a dangling
 * symlink exists), as a build directory we are about to write into must.
 */
export async function exists(path: string, opts: { followLinks?: boolean } = {}): Promise<boolean> {
  return (opts.followLinks === false ? lstat(path) : stat(path)).then(
    () => true,
    () => false,
  );
}

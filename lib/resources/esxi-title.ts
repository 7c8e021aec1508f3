/**
 * The title MAAS's ESXi driver would show for a release (docs/maas-upload-protocol.md#fields:
 * `ESXi.get_release_title`): one-digit groups joined by dots, then the rest after a space.
 * `7.0` → `VMware ESXi 7.0`, `8.0u3` → `VMware ESXi 8.0 u3`, `9` → `VMware ESXi 9`.
 */
export function esxiReleaseTitle(release: string): string {
  const m = /^(\d)(?:\.(\d))?(?:\.(\d))?(.*)$/.exec(release);
  if (!m) return `VMware ESXi ${release}`;
  const version = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined).join('.');
  const rest = (m[4] ?? '').replace(/^[.\s-]+/, '');
  return rest ? `VMware ESXi ${version} ${rest}` : `VMware ESXi ${version}`;
}

/** A default title for an upload name: ESXi names get MAAS's own formatting. */
export function defaultTitle(name: string): string | undefined {
  const m = /^esxi\/(.+)$/.exec(name);
  return m ? esxiReleaseTitle(m[1]!) : undefined;
}

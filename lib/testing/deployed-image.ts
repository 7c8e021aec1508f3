/**
 * What MAAS shows for a machine deployed from an image name: `esxi/8.0` → osystem `esxi`,
 * distro_series `8.0`; a bare custom name `k` → osystem `custom`, distro_series `k`
 * (`src/maasserver/forms/__init__.py` `DeployForm`, custom images listed under `custom`).
 */
export function deployedImageFields(name: string): { osystem: string; distroSeries: string } {
  const [osystem, release] = name.includes('/') ? name.split('/') : ['custom', name];
  return { osystem: osystem!, distroSeries: release! };
}

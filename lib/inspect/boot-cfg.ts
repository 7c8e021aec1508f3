/**
 * The ESXi release in a bootbank's `boot.cfg` (docs/image-inspection.md#bootcfg). Its
 * `build=` line is `<major>.<minor>.<update>-<level>.<patch>.<build>` on 7.0 and later
 * (`8.0.3-0.0.24022510`: 8.0 Update 3, build 24022510), where a GA release and its patches write
 * level 1 (ESXi 7.0 GA: `7.0.0-1.0.15843807`), not an update; 6.7 keeps `6.7.0` and counts the
 * update in the first field after the dash (`6.7.0-3.73.14320388`: 6.7 Update 3).
 */
import { esxiReleaseTitle } from '../resources/esxi-title.js';

export interface EsxiRelease {
  /** The `build=` value as written. */
  version: string;
  /** `8.0` */
  release: string;
  /** 0 for the first release of a version (GA). */
  update: number;
  build: number;
  /** `esxi/8.0`: the upload name MAAS's ESXi driver expects (docs/maas-upload-protocol.md#fields). */
  name: string;
  /** What MAAS's ESXi driver would show, plus the update: `VMware ESXi 8.0 u3`. */
  title: string;
}

const BUILD = /^(\d+)\.(\d+)\.(\d+)-(\d+)(?:\.\d+)*\.(\d+)$/;

/** The release `boot.cfg` names, or null when it has no (or an empty) `build=` line. */
export function parseBootCfg(text: string): EsxiRelease | null {
  const line = text.split(/\r?\n/).find((l) => l.startsWith('build='));
  const version = line?.slice('build='.length).trim() ?? '';
  const m = BUILD.exec(version);
  if (!m) return null;
  const [, major, minor, third, level, build] = m;
  const release = `${major}.${minor}`;
  const update = Number(major) >= 7 ? Number(third) : Number(level);
  return {
    version,
    release,
    update,
    build: Number(build),
    name: `esxi/${release}`,
    title: esxiReleaseTitle(update > 0 ? `${release}u${update}` : release),
  };
}

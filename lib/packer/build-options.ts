/** What a build takes and what it gives back (docs/packer.md; provenance: docs/image-inspection.md#provenance). */
import type { ProvenanceRecord } from '../inspect/provenance.js';
import type { BuildPlan } from './build-plan.js';
import type { RootPasswordOrigin } from './root-password.js';

export interface BuildOptions {
  /** The ESXi installer ISO; passed as `vmware_esxi_iso_path` when the template declares it. */
  iso: string;
  /** Default: our template, `<package>/packer/vmware-esxi`. A packer-maas `vmware-esxi/` works too. */
  templateDir?: string;
  /** Where the `.dd.gz` ends up. Default: the current directory. */
  outputDir?: string;
  /** Packer duration for the install (`timeout` variable, e.g. `1h`). */
  timeout?: string;
  /** Further template variables (`--var k=v`); each must be declared by the template. */
  vars?: Record<string, string>;
  /** Passed as `esxi_version` when the template declares it. */
  esxiVersion?: string;
  signal?: AbortSignal;
  /** Keep the build directory (debugging). Default false. */
  keepBuildDir?: boolean;
  /** After SIGINT, how long Packer may take to clean up before everything is killed. Default 60 s. */
  graceMs?: number;
  /** Base environment for Packer. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Parent of the build directory (holds the raw disk!). Default: the OS temp dir. */
  workDir?: string;
  /** Serial console log the template writes (relative to the build dir). Default: detected. */
  consoleLog?: string;
  /** Console log poll interval. Default 1000 ms. */
  consolePollMs?: number;
  /** Kickstart snippet merged into our template's kickstart (its --kickstart-extra). */
  kickstartExtra?: string;
  /** Make what the template needs and maas-esxi can make without root or network (see PlanBuildOptions.prepare). */
  prepare?: boolean;
  /** Bake packer-maas's published root password (`password123!`) instead of a random one when MAAS_ESXI_ROOT_PASSWORD is unset. */
  publishedDefaultPassword?: boolean;
  /**
   * The plan from `planBuild` for these same options (the CLI shows its checks first); without
   * it the build plans itself. Either way Packer does not start while a prerequisite fails.
   */
  plan?: BuildPlan;
}

export interface BuildResult {
  artifactPath: string;
  size: number;
  sha256: string;
  elapsedMs: number;
  packerVersion: string;
  /** Set only with keepBuildDir. */
  buildDir: string | null;
  /** Where the root password came from (docs/image-inspection.md#provenance). */
  rootPassword: RootPasswordOrigin;
  /** The 0600 file holding a generated root password, next to the image; null when none was generated. */
  rootPasswordFile: string | null;
  /** The provenance record read back from the image; null for templates that write none. */
  provenance: ProvenanceRecord | null;
}

/** Options of the simulator's controllers, machines and first boot (`maas-esxi/testing`). */

export interface SimRackOptions {
  hostname: string;
  /** Default generated (6 lowercase letters/digits, as MAAS's system ids). */
  systemId?: string;
  /** false: `list_boot_images` answers `connected: false` (RackController.list_boot_images). Default true. */
  connected?: boolean;
  /**
   * ≤3.4: how long after an image is complete on the region this rack lists it (its import
   * runs in between, status "syncing"). Default 0; Infinity = never syncs.
   */
  syncMs?: number;
}

/** The MAAS statuses a simulated machine can start in (NODE_STATUS_CHOICES). */
export type SimMachineStatus = 'New' | 'Ready' | 'Allocated' | 'Deploying' | 'Deployed' | 'Failed deployment' | 'Broken';

/**
 * What the simulated installation and ESXi first boot do after a deploy. Default: curtin
 * installs, the machine fetches user-data (MAAS marks it Deployed), and our first boot runs
 * every step and posts `maas-esxi first boot finished: SUCCESS (N steps)`.
 */
export interface SimFirstBoot {
  /**
   * Step names, default the payload's own (packer/vmware-esxi/payload/maas_esxi/first_boot_steps.json:
   * config … persist, 11 steps) with its texts; MAAS marks the machine Deployed during `user-data`.
   */
  steps?: string[];
  /** The first-boot step that fails (its FAIL event; the later steps still run; then the FAILED verdict). */
  failAt?: string;
  /** One-line cause for `failAt` (default "step failed"). */
  cause?: string;
  /** Curtin's install fails with this text: MAAS marks the machine "Failed deployment". */
  installFails?: string;
  /** Post no first-boot events at all (an image without our payload). */
  silent?: boolean;
}

export interface SimMachineOptions {
  hostname: string;
  systemId?: string;
  /** Default 'Ready'. */
  status?: SimMachineStatus;
  /** Default 'amd64/generic'. */
  architecture?: string;
  firstBoot?: SimFirstBoot;
  /** With status 'Deployed': the image it runs, e.g. `esxi/8.0` (default `ubuntu/noble`). */
  deployedFrom?: string;
}

/** A controller or machine as a test reads it back. */
export interface SimMachineView {
  system_id: string;
  hostname: string;
  status_name: string;
  osystem: string;
  distro_series: string;
  owner: string | null;
  /** base64-decoded user-data of the last deploy, if any. */
  userData: string | undefined;
}

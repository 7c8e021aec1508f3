/**
 * Build phases, recognised from Packer's ui lines (docs/packer.md; 1.6.6 wording,
 * close to the newer qemu plugin's). The runner adds its own phases around Packer's.
 */

export const BUILD_PHASES = [
  'prepare', // runner: detect Packer, copy the template into a build directory
  'iso', // Retrieving ISO / Trying … / path => abs
  'vm-start', // disk creation, Starting VM
  'boot-command', // Waiting Ns for boot, typing the boot command over VNC
  'install', // Waiting for shutdown… — the ESXi installer runs; silent on stdout for tens of minutes
  'provision', // provisioners (templates with a communicator or shell-local provisioners)
  'post-process', // post-processors other than compress (e.g. adding curtin hooks to the disk)
  'compress', // compress post-processor gzips the raw disk
  'finish', // Packer summarises builds and artifacts
  'artifact', // runner: move the image to the output directory and hash it
  'cancel', // runner: cancelling Packer and cleaning up
] as const;

export type BuildPhase = (typeof BUILD_PHASES)[number];

const RULES: [RegExp, BuildPhase][] = [
  [/: Running post-processor:.*(?:\(type compress\)|\bcompress\s*$)/, 'compress'],
  [/ \(compress\): /, 'compress'],
  [/: Running post-processor:/, 'post-process'],
  [/^==> [^:(]+: (?:Retrieving ISO|Downloading or copying ISO)/, 'iso'],
  [/^==> [^:(]+: (?:Creating (?:required virtual machine )?(?:hard drive|disks?)|Starting VM|Starting HTTP server)/, 'vm-start'],
  [/^==> [^:(]+: (?:Waiting \S+ for boot|Connecting to VM via VNC|Typing the boot command)/, 'boot-command'],
  [/^==> [^:(]+: Waiting for shutdown/, 'install'],
  [/^==> [^:(]+: (?:Provisioning with|Running local shell script)/, 'provision'],
  [/==> (?:Builds finished|Wait completed)/, 'finish'],
];

/** The phase a ui line announces, if any. */
export function phaseForUiText(text: string): BuildPhase | undefined {
  for (const [re, phase] of RULES) if (re.test(text)) return phase;
  return undefined;
}

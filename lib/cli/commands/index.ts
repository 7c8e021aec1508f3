/**
 * Every command of maas-esxi, in the order help lists them.
 *
 * Adding a command (gh style, cli/cli pkg/cmd/*):
 *   1. Create `lib/cli/commands/<name>.ts` (or `<group>/<name>.ts`) exporting
 *      `defineCommand<Options>({ command, summary, fields?, examples, builder?, parse, run })`:
 *      - `Options` is the typed result of parsing, built once in `parse(argv, ctx)`;
 *      - `builder` declares positionals/options; reuse the shared sets in `lib/cli/flag-sets.ts`
 *        (declareUploadFlags/parseUploadFlags, declareBuildFlags/parseBuildFlags, declareData/parseData);
 *        an option that takes a value must also be listed in `VALUE_FLAGS` there;
 *      - `run(options, ctx)` does the work through SDK calls: `ctx.maas()` is the profile's client
 *        (profile commands), `ctx.out` is the only way to print, `ctx.signal` is Ctrl-C;
 *      - paths in options resolve against `ctx.io.cwd`, never process.cwd().
 *   2. Add it to one list below: TOP_LEVEL (maas-esxi NAME), PROFILE (maas-esxi PROFILE NAME),
 *      or a maas handler group in GROUPS (maas-esxi PROFILE boot-resources NAME).
 *   3. Test it by calling `run(options, ctx)` with a test context, and through `runCli` for the
 *      command line (test/fixtures/cli-harness.ts). Help, completion and global flags follow.
 */
import type { AnyCommand } from '../command.js';
import { bootResourceDeleteCommand } from './boot-resource/delete.js';
import { bootResourceReadCommand } from './boot-resource/read.js';
import { bootResourcesImportCommand } from './boot-resources/import.js';
import { bootResourcesIsImportingCommand } from './boot-resources/is-importing.js';
import { bootResourcesReadCommand } from './boot-resources/read.js';
import { bootResourcesStopImportCommand } from './boot-resources/stop-import.js';
import { buildAndUploadCommand } from './build-and-upload.js';
import { buildCommand } from './build.js';
import { completionCommand } from './completion.js';
import { createCommand } from './create.js';
import { doctorCommand } from './doctor.js';
import { inspectCommand } from './inspect.js';
import { imagesCommand } from './images.js';
import { listCommand } from './list.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { uploadsCommand } from './uploads.js';
import { deployCommand } from './deploy.js';
import { waitReadyCommand } from './wait-ready.js';
import { simulatorCommand } from './simulator.js';

/** `maas-esxi NAME …` (no profile). */
export const TOP_LEVEL: readonly AnyCommand[] = [loginCommand, logoutCommand, listCommand, buildCommand, doctorCommand, inspectCommand, simulatorCommand, completionCommand] as AnyCommand[];

/** `maas-esxi PROFILE NAME …` (PROFILE may be `env`: MAAS_API_URL/MAAS_API_KEY). */
export const PROFILE: readonly AnyCommand[] = [createCommand, uploadsCommand, buildAndUploadCommand, waitReadyCommand, deployCommand, imagesCommand] as AnyCommand[];

export interface CommandGroup {
  /** The maas CLI handler name (src/maascli/utils.py handler_command_name). */
  name: string;
  summary: string;
  commands: readonly AnyCommand[];
}

/** `maas-esxi PROFILE GROUP ACTION …`, as `maas PROFILE boot-resources create …`. */
export const GROUPS: readonly CommandGroup[] = [
  {
    name: 'boot-resources',
    summary: 'boot resources: read [type=…], create …, import, stop-import, is-importing',
    commands: [bootResourcesReadCommand, createCommand, bootResourcesImportCommand, bootResourcesStopImportCommand, bootResourcesIsImportingCommand] as AnyCommand[],
  },
  { name: 'boot-resource', summary: 'one boot resource: read ID, delete ID', commands: [bootResourceReadCommand, bootResourceDeleteCommand] as AnyCommand[] },
];

/** The Packer orchestration module: the build plan and its prerequisites, template handling, running builds. */
export {
  parseMachineReadableLine,
  unescapeMachineReadable,
  type PackerEvent,
  type PackerEventBase,
  type UiEvent,
  type UiLevel,
  type BuildFinishedEvent,
  type ArtifactCountEvent,
  type ArtifactEvent,
  type ErrorCountEvent,
  type BuildErrorEvent,
  type VersionEvent,
  type PhaseEvent,
  type ConsoleEvent,
  type RawEvent,
} from './machine-readable.js';
export { ArtifactCollector, findCompressedImage, COMPRESS_BUILDER_ID, type PackerArtifact } from './artifacts.js';
export { BUILD_PHASES, phaseForUiText, type BuildPhase } from './phases.js';
export { detectPacker, findPacker, compareVersions, parsePackerVersionOutput, type PackerInstallation } from './packer-version.js';
export { parseInstalledQemuPlugins } from './qemu-plugin.js';
export { inspectIso, versionFromVolumeId, versionFromBootCfg, type IsoInfo } from './iso-inspect.js';
export { planBuild, assertBuildPlan, BuildPlan, type PlanBuildOptions, type PlannedFatImage, type BuildPlanSummary } from './build-plan.js';
export { PREREQUISITE_CHECKS, type PrerequisiteCheck } from './prerequisites.js';
export { readTemplateNeeds, type TemplateNeeds, type TemplateFileNeed, type TemplateTool } from './template-needs.js';
export { writeFatImage, type FatImageOptions } from './fat-image.js';
export { defaultTemplateDir } from './template-dir.js';
export { readTemplateInfo, sizeMiB, type TemplateInfo, type TemplateVariable } from './template-info.js';
export { resolveTemplateVars, varArgs, STANDARD_VARIABLES, type TemplateVarInputs, type ResolvedTemplateVars } from './template-vars.js';
export { prepareBuildDir, removeBuildDir, type BuildDir } from './build-dir.js';
export { PackerBuildError, hintForPackerText } from './packer-failure.js';
export { ROOT_PASSWORD_ENV } from './kickstart.js';
export { PackerBuild, startPackerBuild, type BuildOptions, type BuildResult, type PhaseChange, type PackerBuildEvents } from './runner.js';

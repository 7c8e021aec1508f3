/**
 * `maas-esxi/packer`: build a MAAS-deployable VMware ESXi image with Packer — plan the build
 * once (Packer, the template and what it needs, the ISO, the prerequisite checks `doctor`
 * shows), run the plan with a typed event stream and cancellation, find the artifact. A separate entry point so that uploading never loads it.
 * The export list is pinned by test/exports.test.ts; see docs/architecture.md and docs/packer.md.
 */
export { PackerBuild, startPackerBuild, type BuildOptions, type BuildResult, type PhaseChange, type PackerBuildEvents } from './runner.js';
export { planBuild, assertBuildPlan, BuildPlan, type PlanBuildOptions, type PlannedFatImage, type BuildPlanSummary } from './build-plan.js';
export type { PlanFacts, PrerequisiteCheck } from './prerequisites.js';
export type { TemplateNeeds, TemplateFileNeed, TemplateTool, MakeRule } from './template-needs.js';
export { detectPacker, type PackerInstallation } from './packer-version.js';
export { inspectIso, type IsoInfo } from './iso-inspect.js';
export { defaultTemplateDir } from './template-dir.js';
export { readTemplateInfo, type TemplateInfo, type TemplateVariable } from './template-info.js';
export { BUILD_PHASES, type BuildPhase } from './phases.js';
export type { PackerArtifact } from './artifacts.js';
export type {
  PackerEvent,
  PackerEventBase,
  UiEvent,
  UiLevel,
  BuildFinishedEvent,
  ArtifactCountEvent,
  ArtifactEvent,
  ErrorCountEvent,
  BuildErrorEvent,
  VersionEvent,
  PhaseEvent,
  ConsoleEvent,
  RawEvent,
} from './machine-readable.js';
export { PackerBuildError } from './packer-failure.js';
export { ROOT_PASSWORD_ENV } from './kickstart.js';
export { PackerError, PrerequisiteError } from '../errors/index.js';

/**
 * The public surface, pinned: every name each entry point exports (values and types, read by
 * the TypeScript checker from the sources) and the runtime values the published package
 * resolves through package.json "exports". Adding or removing a name must change this file,
 * so it is a decision, not an accident (docs/architecture.md, "Public surface").
 *
 * And the SDK's types refuse wrong calls: test/fixtures/types/wrong-calls.ts holds each wrong
 * call under a `@ts-expect-error`; compiled as is it must be clean (every directive used, so every
 * line is an error), and compiled with the directives removed, exactly those lines must fail.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as TypeScript from 'typescript';

// Loaded as CommonJS: an ESM import of typescript.js (9 MB) makes Node scan it for its named
// exports first (cjs-module-lexer), ~0.5 CPU s of this process.
const ts: typeof TypeScript = createRequire(import.meta.url)('typescript');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY_POINTS: Record<string, { source: string; values: string[]; types: string[] }> = {
  'maas-esxi': {
    source: 'lib/index.ts',
    values: [
      'MaasClient',
      'login',
      'uploadToSites',
      'DeploymentFailedError',
      'MaasAbortError',
      'MaasAuthError',
      'MaasConfigError',
      'MaasConflictError',
      'MaasError',
      'MaasNetworkError',
      'MaasNotFoundError',
      'MaasPermissionError',
      'MaasServerError',
      'MaasTimeoutError',
      'MaasValidationError',
      'MachineStateError',
      'UploadConflictError',
      'UploadInputError',
      'UploadIntegrityError',
      'UploadRetryError',
    ],
    types: [
      'BootResource',
      'ConnectOptions',
      'DeployOptions',
      'DeployResult',
      'MaasEvent',
      'Machine',
      'Operation',
      'ReadyResult',
      'SiteOutcome',
      'UploadOptions',
      'UploadProgress',
      'UploadResult',
      'WaitReadyOptions',
    ],
  },
  'maas-esxi/advanced': {
    source: 'lib/advanced.ts',
    values: [
      'BOOT_RESOURCE_FILETYPES',
      'BootResourceUpload',
      'BootResources',
      'BootResourcesClient',
      'DEFAULT_CHUNK_SIZE',
      'Events',
      'FIRST_BOOT_ORIGIN',
      'HttpTransport',
      'MAX_CHUNK_SIZE',
      'MaasApiClient',
      'Machines',
      'NODE_STATUS',
      'OAuthSigner',
      'ProfileStore',
      'UploadStateStore',
      'deployAndVerify',
      'forEachSite',
      'isFailureEvent',
      'isTransient',
      'parseFirstBootEvent',
      'resolveConnection',
      'siteErrorJson',
      'waitReady',
    ],
    types: [
      'ApiClientOptions',
      'ApiRequest',
      'Architecture',
      'BackoffPolicy',
      'BootResourceFile',
      'BootResourceFiletype',
      'BootResourceSet',
      'BootResourceSummary',
      'BootResourceType',
      'ChunkSize',
      'ConnectionFlags',
      'ConnectionSettings',
      'Controller',
      'CreateBootResourceParams',
      'DeployParams',
      'DeployProgress',
      'EventLevel',
      'EventQuery',
      'EventsPage',
      'FirstBootReport',
      'FollowOptions',
      'HashLookup',
      'HashProgress',
      'LoginOptions',
      'LoginResult',
      'MaasApiAction',
      'MaasApiHandler',
      'MaasDescription',
      'MaasEra',
      'MaasErrorName',
      'MaasErrorOptions',
      'MaasFix',
      'MaasProfile',
      'MaasUser',
      'MaasVersionInfo',
      'MachineStatusName',
      'MultiSiteProgress',
      'MultiSiteUpload',
      'MultiSiteUploadOptions',
      'OperationContext',
      'OperationEvents',
      'ProfileConnectOptions',
      'ProfileStoreOptions',
      'ProfileSummary',
      'QueryValue',
      'RackBootImages',
      'ReadyState',
      'ReadyTarget',
      'ResolveConnectionOptions',
      'RetryNotice',
      'Site',
      'SiteUpload',
      'TransportOptions',
      'TransportResponse',
      'UploadAction',
      'UploadChunkOptions',
      'UploadDeps',
      'UploadEvents',
      'UploadFingerprint',
      'UploadPhase',
      'UploadPlan',
      'UploadRetry',
      'UploadState',
      'UploadStateStorage',
    ],
  },
  'maas-esxi/packer': {
    source: 'lib/packer/index.ts',
    values: [
      'BUILD_PHASES',
      'BuildPlan',
      'PackerBuild',
      'PackerBuildError',
      'PackerError',
      'PrerequisiteError',
      'ROOT_PASSWORD_ENV',
      'assertBuildPlan',
      'defaultTemplateDir',
      'detectPacker',
      'inspectIso',
      'planBuild',
      'readTemplateInfo',
      'startPackerBuild',
    ],
    types: [
      'ArtifactCountEvent',
      'ArtifactEvent',
      'BuildErrorEvent',
      'BuildFinishedEvent',
      'BuildOptions',
      'BuildPhase',
      'BuildPlanSummary',
      'BuildResult',
      'ConsoleEvent',
      'ErrorCountEvent',
      'IsoInfo',
      'MakeRule',
      'PackerArtifact',
      'PlanFacts',
      'PackerBuildEvents',
      'PackerEvent',
      'PackerEventBase',
      'PackerInstallation',
      'PhaseChange',
      'PhaseEvent',
      'PlanBuildOptions',
      'PlannedFatImage',
      'PrerequisiteCheck',
      'RawEvent',
      'TemplateFileNeed',
      'TemplateInfo',
      'TemplateNeeds',
      'TemplateTool',
      'TemplateVariable',
      'UiEvent',
      'UiLevel',
      'VersionEvent',
    ],
  },
  'maas-esxi/inspect': {
    source: 'lib/inspect/index.ts',
    values: ['ImageInspectError', 'checkImageForUpload', 'compareSiteImages', 'inspectImage'],
    types: ['CompareSiteImagesOptions', 'EsxiRelease', 'ImageDriftReport', 'SiteImage', 'HookInfo', 'ImageInspection', 'ImageProblem', 'ImageUploadCheck', 'ImageUploadCheckOptions', 'InspectOptions', 'InspectedPartition', 'ProvenanceRecord'],
  },
  'maas-esxi/testing': {
    source: 'lib/testing/index.ts',
    values: ['generateApiKey', 'runSimulator', 'sampleEsxiDisk', 'sampleEsxiDiskEnds', 'sampleEsxiImage', 'startMaasSimulator'],
    types: [
      'FaultAction',
      'FaultMatch',
      'FaultPlan',
      'FaultRule',
      'MaasEra',
      'MaasSimulator',
      'RequestRecord',
      'SampleEsxiImageOptions',
      'SimUser',
      'SimulatorOptions',
      'SimFirstBoot',
      'SimMachineOptions',
      'SimMachineStatus',
      'SimMachineView',
      'SimRackOptions',
      'SimulatorRunOptions',
    ],
  },
};

const entryFiles = Object.values(ENTRY_POINTS).map((e) => join(root, e.source));
const fixture = join(root, 'test/fixtures/types/wrong-calls.ts');
/** The fixture without its directives: a file beside it that exists only in the compiler host. */
const strippedFixture = join(root, 'test/fixtures/types/wrong-calls.stripped.ts');
const DIRECTIVE = '// @ts-expect-error';
const fixtureLines = readFileSync(fixture, 'utf8').split('\n');
/** 0-based line numbers of the wrong calls: the line after each directive. */
const wrongLines = fixtureLines.flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 1] : []));
const stripped = fixtureLines.map((line) => (line.trim().startsWith(DIRECTIVE) ? '' : line)).join('\n');

/**
 * One TypeScript program, with the repository's options, for the entry points and both texts of
 * the fixture: the SDK's sources and the lib files are parsed and bound once per test process, not
 * once per question (building a program is the bulk of this file's CPU).
 */
function publicProgram(): TypeScript.Program {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => (file === strippedFixture ? stripped : readFile(file));
  host.fileExists = (file) => file === strippedFixture || fileExists(file);
  return ts.createProgram([...entryFiles, fixture, strippedFixture], { ...options, noEmit: true }, host);
}

const program = publicProgram();

/** Every export of each source file, split into runtime values and type-only names. */
function declaredExports(): Map<string, { values: string[]; types: string[] }> {
  const checker = program.getTypeChecker();
  const out = new Map<string, { values: string[]; types: string[] }>();
  for (const file of entryFiles) {
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // `export type { X }` of a class is a type-only export even though X is a value.
      const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) ?? false;
      (target.flags & ts.SymbolFlags.Value && !typeOnly ? values : types).push(symbol.name);
    }
    out.set(file, { values: values.sort(), types: types.sort() });
  }
  return out;
}

t.test('each entry point exports exactly the pinned names', async (t) => {
  const declared = declaredExports();
  for (const [name, pinned] of Object.entries(ENTRY_POINTS)) {
    const got = declared.get(join(root, pinned.source))!;
    t.same(got.values, [...pinned.values].sort(), `${name}: values`);
    t.same(got.types, [...pinned.types].sort(), `${name}: types`);
  }
});

t.test('the main entry point stays small: at most 36 names, values and types together', async (t) => {
  const main = ENTRY_POINTS['maas-esxi']!;
  t.ok(main.values.length + main.types.length <= 36, `${main.values.length + main.types.length} names`);
});

t.test('PackerError and PrerequisiteError are exported once, by maas-esxi/packer', async (t) => {
  const owners = Object.entries(ENTRY_POINTS).filter(([, e]) => e.values.includes('PackerError') || e.values.includes('PrerequisiteError'));
  t.same(owners.map(([name]) => name), ['maas-esxi/packer']);
});

t.test('no name is exported by both the main and the advanced entry point', async (t) => {
  const main = ENTRY_POINTS['maas-esxi']!;
  const advanced = ENTRY_POINTS['maas-esxi/advanced']!;
  const both = [...main.values, ...main.types].filter((n) => advanced.values.includes(n) || advanced.types.includes(n));
  t.same(both, [], 'each name has one home');
});

t.test('package.json "exports" maps each entry point to the built module with those values', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  t.same(Object.keys(pkg.exports).sort(), ['.', './advanced', './inspect', './package.json', './packer', './testing']);
  for (const [name, pinned] of Object.entries(ENTRY_POINTS)) {
    // A self-reference resolves through "exports", as a user's import would.
    const mod = (await import(name)) as Record<string, unknown>;
    t.same(Object.keys(mod).sort(), [...pinned.values].sort(), `${name} at runtime`);
  }
});

t.test('the main entry point does not load Packer support', async (t) => {
  const main = readFileSync(join(root, 'dist/index.js'), 'utf8');
  t.notMatch(main, /packer\//, 'dist/index.js imports nothing from packer/');
});

t.test('the fixture compiles: every @ts-expect-error marks a real error', async (t) => {
  t.equal(wrongLines.length, 15, 'the wrong calls');
  const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(fixture));
  t.same(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
});

t.test('without the directives, exactly the marked lines fail', async (t) => {
  const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(strippedFixture));
  t.ok(diagnostics.every((d) => d.file?.fileName === strippedFixture), 'every error is in the stripped text');
  const failing = new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line));
  t.same([...failing].sort((a, b) => a - b), wrongLines, 'one error per wrong call, none elsewhere');
});

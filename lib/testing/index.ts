/**
 * `maas-esxi/testing`: a faithful in-process MAAS region API 2.0 for tests, demos and benchmarks
 * (docs/architecture.md#testing).
 */
export { startMaasSimulator } from './server.js';
export { generateApiKey } from './sim-users.js';
export { runSimulator, type SimulatorRunOptions } from './run-simulator.js';
export { sampleEsxiDisk, sampleEsxiDiskEnds, sampleEsxiImage, type SampleEsxiImageOptions } from './sample-image/sample-esxi-image.js';
export type {
  FaultAction,
  FaultMatch,
  FaultPlan,
  FaultRule,
  MaasEra,
  MaasSimulator,
  RequestRecord,
  SimUser,
  SimulatorOptions,
} from './types.js';
export type { SimFirstBoot, SimMachineOptions, SimMachineStatus, SimMachineView, SimRackOptions } from './ops-types.js';

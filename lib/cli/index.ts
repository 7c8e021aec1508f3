export { runCli } from './main.js';
export type { CliIO } from './output.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { parseDataPair, type DataPair } from './grammar.js';

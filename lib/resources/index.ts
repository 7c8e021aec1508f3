export * from './types.js';
export { eraOf } from './era.js';
export { BootResources, type UploadChunkOptions } from './boot-resources.js';
export { readVersion, whoami, describe } from './server.js';
export { esxiReleaseTitle, defaultTitle } from './esxi-title.js';

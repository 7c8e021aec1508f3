/**
 * `maas-esxi/inspect`: what a disk image holds before it leaves (docs/image-inspection.md).
 *
 *   const image = await inspectImage('vmware-esxi.dd.gz');
 *   image.esxi?.name;      // 'esxi/8.0'
 *   image.hooks.kind;      // 'maas-esxi' | 'packer-maas' | 'unknown' | 'none'
 */
export { inspectImage, type ImageInspection, type InspectedPartition, type InspectOptions } from './inspect-image.js';
export { ImageInspectError, type ImageProblem } from './errors.js';
export type { EsxiRelease } from './boot-cfg.js';
export type { HookInfo } from './hooks.js';
export type { ProvenanceRecord } from './provenance.js';
export { checkImageForUpload, type ImageUploadCheck, type ImageUploadCheckOptions } from './upload-check.js';
export { compareSiteImages, type CompareSiteImagesOptions, type ImageDriftReport, type SiteImage } from '../client/image-drift.js';

/**
 * maas-esxi SDK: build VMware ESXi images with Packer and upload them to MAAS, resumably.
 *
 *   const maas = await MaasClient.fromProfile('admin');
 *   const up = maas.bootResources.upload({ name: 'esxi/8.0', title: 'VMware ESXi 8.0',
 *     architecture: 'amd64/generic', filetype: 'ddgz', path: 'vmware-esxi.dd.gz' });
 *   up.on('progress', (p) => …);
 *   const result = await up.done();
 */
export * from './client/index.js';
export * from './errors/index.js';
export { MaasApiClient, type ApiClientOptions, type ApiRequest, type RetryNotice } from './http/api-client.js';
export { HttpTransport, type TransportOptions } from './http/transport.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './http/backoff.js';
export * from './auth/index.js';
export * from './resources/index.js';
export * from './upload/index.js';
export * from './profiles/index.js';
export * from './packer/index.js';

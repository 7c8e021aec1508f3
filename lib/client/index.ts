export { MaasClient, BootResourcesClient, type ConnectOptions, type ProfileConnectOptions } from './maas-client.js';
export { login, type LoginOptions, type LoginResult } from './login.js';

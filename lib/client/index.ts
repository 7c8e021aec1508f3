export { MaasClient, BootResourcesClient, type ConnectOptions, type ProfileConnectOptions } from './maas-client.js';
export { login, type LoginOptions, type LoginResult } from './login.js';
export { forEachSite, uploadToSites, siteErrorJson, type Site, type SiteOutcome, type MultiSiteUpload, type MultiSiteUploadOptions } from './sites.js';

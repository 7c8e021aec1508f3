export { parseApiKey, formatApiKey, type MaasCredentials } from './api-key.js';
export { OAuthSigner } from './oauth.js';
export { redactHeaders, redactAuthorization, scrubSecrets } from './redact.js';

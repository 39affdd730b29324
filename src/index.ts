/**
 * ads-oauth: OAuth 2.0 user credentials (refresh tokens) for the Google Ads API and any Google API
 * or OAuth 2.0 provider. Every step the CLI takes is exported here, usable on its own:
 *
 * - protocol: {@link parseClientSecrets} (or {@link defineClient}) → {@link createConfiguration} /
 *   {@link discoverConfiguration}, then every operation takes that configuration first:
 *   {@link createAuthorizationRequest} → {@link validateCallback} → {@link exchangeCode};
 *   {@link refreshAccessToken}, {@link revokeToken}, {@link fetchTokenInfo};
 * - flows: {@link runLoopbackFlow} (desktop), {@link runHeadlessFlow} (paste);
 * - server: {@link startLoopbackListener};
 * - writers and stores: config files of every Google Ads client library, written atomically;
 * - lifecycle: {@link verifyCredentials}, {@link revokeRefreshToken}, {@link listCustomers}.
 *
 * Every failure is an {@link AdsOAuthError} with a stable `code`.
 * @packageDocumentation
 */
export {
  AdsOAuthError,
  ErrorCodes,
  isAdsOAuthError,
  type ErrorCode,
  type ErrorHint,
  type ErrorDetails,
  type ErrorDetailsMap,
  type AdsOAuthErrorOf,
  type AdsOAuthErrorOptions,
} from './errors.js';

export { parseClientSecrets, defineClient, firstLoopbackRedirect, type OAuthClientConfig, type ClientKind, type ClientDefinition } from './protocol/client-file.js';
export {
  createConfiguration,
  discoverConfiguration,
  type Configuration,
  type ConfigurationOptions,
  type EndpointOverrides,
  type ResolvedEndpoints,
  type CallOptions,
} from './protocol/config.js';
export { ADWORDS_SCOPE, DEFAULT_SCOPES, normalizeScopes, resolveScopes, missingScopes } from './protocol/scopes.js';
export { isLoopbackHost, parseEndpoint } from './protocol/urls.js';
export { serverFromClient, discoverServer, type ServerInfo } from './protocol/authorization-server.js';
export { createAuthorizationRequest, type AuthorizationRequest, type AuthorizationRequestOptions } from './protocol/authorize.js';
export { validateCallback, parsePastedCallback, type CallbackRejection, type ValidatedCallback } from './protocol/callback.js';
export {
  exchangeCode,
  refreshAccessToken,
  revokeToken,
  tokenEndpointError,
  type UserCredentials,
  type RefreshedAccessToken,
  type ClientCredentials,
} from './protocol/tokens.js';
export type { RequestOptions } from './protocol/http.js';
export type { FetchLike } from './protocol/types.js';

export { planRedirect, type RedirectPlan } from './flows/redirect.js';
export { AuthorizationSession, type FlowOptions, type FlowResult, type FlowEvent } from './flows/session.js';
export { runLoopbackFlow, type LoopbackFlowOptions } from './flows/loopback.js';
export { runHeadlessFlow, headlessInstructions, type HeadlessFlowOptions } from './flows/headless.js';

export { startLoopbackListener, type LoopbackListener, type LoopbackListenerOptions, type CallbackDecision } from './server/loopback.js';
export { successPage, failurePage, escapeHtml, PAGE_HEADERS, type Page } from './server/pages.js';

export { createNodeFetch, TransportError, type NodeFetchOptions } from './transport/node-fetch.js';

export {
  FORMAT_IDS,
  getFormat,
  detectFormat,
  resolveFormat,
  defaultConfigPath,
  renderSnippet,
  type ConfigFormat,
  type ConfigValues,
  type ConfigChanges,
  type CredentialField,
  type FormatId,
} from './writers/index.js';
export { readClientSecretsFile } from './stores/client-secrets.js';
// The web flow, the account store and the token broker of `ads-oauth serve`, for apps that embed
// them in their own server (examples/). The store loads Kysely and its driver only when opened.
export {
  createWebFlow,
  readCookie,
  type WebFlow,
  type WebFlowOptions,
  type WebRequest,
  type WebResponse,
  type WebCallbackResult,
} from './flows/web.js';
export { createTokenBroker, type TokenBroker, type TokenBrokerOptions, type UpstreamRefreshResult } from './broker/index.js';
export {
  openAccountStore,
  parseKeyring,
  ENCRYPTION_KEYS_ENV,
  type OpenAccountStoreOptions,
  type Keyring,
  type KeyringKey,
  type AccountStore,
  type StoredAccount,
  type AccountStatus,
  type CachedAccessToken,
} from './stores/accounts/index.js';
export { readConfig, updateConfig, validateConfigTarget } from './stores/config-file.js';
export { writeFileAtomic } from './stores/atomic-write.js';

export * from './lifecycle/index.js';

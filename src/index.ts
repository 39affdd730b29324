/**
 * ads-oauth: OAuth 2.0 user credentials (refresh tokens) for the Google Ads API, and for any
 * Google API or OAuth 2.0 provider, the way `generate_user_credentials` gets them, and the checks
 * that keep them alive.
 *
 * Start from a client, make one {@link Configuration}, and pass it first to every operation:
 *
 * 1. {@link readClientSecretsFile} / {@link parseClientSecrets} (the Cloud console's JSON) or
 *    {@link defineClient}; then {@link discoverConfiguration} (or {@link createConfiguration}).
 * 2. The desktop flows do the whole authorization: {@link runLoopbackFlow} (a one-shot listener
 *    on loopback, RFC 8252) and {@link runHeadlessFlow} (paste the address the browser ends on).
 *    Or step by step: {@link createAuthorizationRequest} → {@link validateCallback} →
 *    {@link exchangeCode}.
 * 3. Keep the token alive: {@link refreshAccessToken}, {@link verifyCredentials} (and why a token
 *    died), {@link listCustomers}, {@link revokeRefreshToken}.
 * 4. Write it where a Google Ads client library reads it: {@link updateConfig}.
 *
 * The web-application flow, the encrypted account store and the token broker of `ads-oauth
 * serve` are in `ads-oauth/web`. Every failure is an {@link AdsOAuthError} with a stable `code`.
 *
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
} from './errors.js';

export {
  parseClientSecrets,
  defineClient,
  type OAuthClientConfig,
  type ClientKind,
  type ClientDefinition,
} from './protocol/client-file.js';
export { readClientSecretsFile } from './stores/client-secrets.js';
export {
  createConfiguration,
  discoverConfiguration,
  type Configuration,
  type ConfigurationOptions,
  type EndpointOverrides,
  type ResolvedEndpoints,
  type CallOptions,
} from './protocol/config.js';
export type { ServerInfo } from './protocol/authorization-server.js';
export { ADWORDS_SCOPE, DEFAULT_SCOPES } from './protocol/scopes.js';
export { createAuthorizationRequest, type AuthorizationRequest, type AuthorizationRequestOptions } from './protocol/authorize.js';
export { validateCallback, parsePastedCallback, type ValidatedCallback } from './protocol/callback.js';
export { exchangeCode, refreshAccessToken, revokeToken, type UserCredentials, type RefreshedAccessToken } from './protocol/tokens.js';
export { fetchTokenInfo, type TokenInfo } from './protocol/tokeninfo.js';
export type { FetchLike } from './protocol/types.js';
export { createNodeFetch, type NodeFetchOptions } from './transport/node-fetch.js';
export { proxySettingsFromEnv, type ProxySettings } from './transport/proxy.js';

export type { FlowOptions, FlowResult, FlowEvent } from './flows/session.js';
export { runLoopbackFlow, type LoopbackFlowOptions } from './flows/loopback.js';
export { runHeadlessFlow, headlessInstructions, type HeadlessFlowOptions } from './flows/headless.js';

export { verifyCredentials, type VerifyOptions, type VerifyResult } from './lifecycle/verify.js';
export { revokeRefreshToken, type RevokeOptions, type RevokeResult } from './lifecycle/revoke.js';
export {
  listCustomers,
  type CustomerEntry,
  type CustomerFailure,
  type ListCustomersOptions,
  type ListCustomersResult,
} from './lifecycle/customers.js';
export { diagnoseRefreshError } from './lifecycle/diagnosis.js';
export type { AdsCredentials, Check, CheckId, LifecycleOptions, LikelyCause, Problem } from './lifecycle/types.js';

export {
  FORMAT_IDS,
  getFormat,
  detectFormat,
  renderSnippet,
  type ConfigFormat,
  type ConfigValues,
  type ConfigChanges,
  type CredentialField,
  type FormatId,
} from './writers/index.js';
export { readConfig, updateConfig, type UpdateConfigOptions } from './stores/config-file.js';
export type { FileSystem, ProcessFacts } from './stores/fs.js';

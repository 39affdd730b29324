/**
 * `ads-oauth/web`: the web-application flow for many users, as `ads-oauth serve` runs it, in
 * parts an application can embed in its own server (node:http, Express, Fastify…):
 *
 * - {@link createWebFlow}: framework-agnostic `start(request)` and `callback(request)` handlers:
 *   state bound to a pre-auth cookie and kept in the store (single-use, 10 minutes, shared by
 *   every instance), PKCE S256, a nonce, ID-token validation, the granted scopes checked;
 * - {@link openAccountStore}: SQLite or Postgres, refresh tokens encrypted with AES-256-GCM under
 *   the keys of {@link parseKeyring} (`ADS_OAUTH_ENCRYPTION_KEYS`);
 * - {@link createTokenBroker}: short-lived access tokens from a cache, one upstream refresh per
 *   stale token across every instance (single flight).
 *
 * The drivers are optional peer dependencies: `better-sqlite3@12` for a file path, `pg` for a
 * `postgres://` URL.
 *
 * @packageDocumentation
 */
export {
  createWebFlow,
  type WebFlow,
  type WebFlowOptions,
  type WebRequest,
  type WebResponse,
  type WebCallbackResult,
} from './flows/web.js';
export {
  openAccountStore,
  parseKeyring,
  ENCRYPTION_KEYS_ENV,
  type OpenAccountStoreOptions,
  type Keyring,
  type KeyringKey,
} from './stores/accounts/index.js';
export type {
  AccountStore,
  StoredAccount,
  AccountStatus,
  StoreKind,
  AccountConnection,
  CachedAccessToken,
  PendingAuthorization,
  PendingFlow,
  ApiKeyRecord,
  AdminSession,
  KeyCheck,
} from './stores/accounts/types.js';
export {
  createTokenBroker,
  DEFAULT_REFRESH_BEFORE_MS,
  type TokenBroker,
  type TokenBrokerOptions,
  type UpstreamRefreshResult,
} from './broker/index.js';

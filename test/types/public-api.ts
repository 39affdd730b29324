// Type tests of the public API, checked by `npm run typecheck` (part of `npm test`): each line
// states what the types must accept, and each `@ts-expect-error` what they must refuse. They
// import the package's entry points, so a change to the public types shows up here. Nothing here
// runs (the function below is never called).
import {
  AdsOAuthError,
  createConfiguration,
  defineClient,
  exchangeCode,
  isAdsOAuthError,
  parseClientSecrets,
  refreshAccessToken,
  revokeRefreshToken,
  runLoopbackFlow,
  updateConfig,
  validateCallback,
  verifyCredentials,
  type Configuration,
  type ErrorCode,
  type FlowResult,
  type OAuthClientConfig,
  type UserCredentials,
  type ValidatedCallback,
} from '../../src/index.js';
import { createTokenBroker, createWebFlow, openAccountStore, type AccountStore, type TokenBroker } from '../../src/web.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

export async function typeTests(): Promise<void> {
  // A client comes from the parser or defineClient; a configuration from createConfiguration.
  const client: OAuthClientConfig = parseClientSecrets('{}', 'client.json');
  const defined: OAuthClientConfig = defineClient({ clientId: 'id', clientSecret: 'secret' });
  // @ts-expect-error a plain object literal is not a client: it must come from the parser
  const forged: OAuthClientConfig = { clientId: 'id', clientSecret: 's', kind: 'installed' };
  void forged;
  const config: Configuration = createConfiguration(client);
  createConfiguration(defined, undefined, { timeoutMs: 10_000, signal: AbortSignal.timeout(1) });

  // The exchange accepts only what validateCallback returned.
  const request = { codeVerifier: 'v', redirectUri: 'http://127.0.0.1/', scopes: ['https://www.googleapis.com/auth/adwords'], state: 's' };
  const callback: ValidatedCallback = validateCallback(config, request, new URL('http://127.0.0.1/?code=c&state=s'));
  const credentials: UserCredentials = await exchangeCode(config, callback, request);
  expectType<Equal<typeof credentials.refreshToken, string>>(true);
  // @ts-expect-error unchecked callback parameters are never exchanged
  await exchangeCode(config, new URLSearchParams('code=c&state=s'), request);
  // @ts-expect-error the configuration comes first, not the token endpoint
  await refreshAccessToken(new URL('https://oauth2.googleapis.com/token'), 'token');
  const refreshed = await refreshAccessToken(config, credentials.refreshToken);
  expectType<Equal<typeof refreshed.accessToken, string>>(true);
  void refreshed;

  // Flows take the configuration first and return the credentials with where they came from.
  const result: FlowResult = await runLoopbackFlow(config, { scopes: [], timeoutMs: 1_000, onAuthorizationUrl: (url: URL) => void url });
  expectType<Equal<typeof result.tokenUri, string>>(true);

  // Lifecycle.
  const verified = await verifyCredentials(config, { refreshToken: result.refreshToken });
  expectType<Equal<typeof verified.ok, boolean>>(true);
  void verified;
  await revokeRefreshToken(config, result.refreshToken);

  // Writers: the changes are typed per credential field.
  await updateConfig('google-ads.yaml', { refreshToken: result.refreshToken, loginCustomerId: null });
  // @ts-expect-error there is no such credential field
  await updateConfig('google-ads.yaml', { refresh_token: 'x' });

  // Errors: details are typed per code once narrowed by isAdsOAuthError.
  const error: unknown = new AdsOAuthError('TOKEN_ENDPOINT', 'refused', { details: { error: 'invalid_grant', status: 400 } });
  if (isAdsOAuthError(error, 'TOKEN_ENDPOINT')) {
    expectType<Equal<typeof error.code, 'TOKEN_ENDPOINT'>>(true);
    const oauthError: string | undefined = error.details.error;
    const status: number | undefined = error.details.status;
    void [oauthError, status];
  }
  if (isAdsOAuthError(error, 'SCOPE_NOT_GRANTED')) {
    const missing: string[] | undefined = error.details.missing;
    void missing;
  }
  if (isAdsOAuthError(error)) {
    const code: ErrorCode = error.code;
    void code;
  }
  // @ts-expect-error an unknown code is not an ErrorCode
  new AdsOAuthError('NOT_A_CODE', 'x');

  // ads-oauth/web: the store, the broker and the web flow compose.
  const store: AccountStore = await openAccountStore({
    database: 'serve.sqlite',
    keyring: (await import('../../src/web.js')).parseKeyring('k1:AAAA'),
    clientId: client.clientId,
  });
  const broker: TokenBroker = createTokenBroker({ store, refresh: (token) => refreshAccessToken(config, token) });
  const flow = createWebFlow({ config, store, publicUrl: 'http://127.0.0.1:8080' });
  expectType<Equal<typeof flow.redirectUri, string>>(true);
  void flow;
  void broker;
}

import * as oauth from 'oauth4webapi';
import { AdsOAuthError } from '../errors.js';
import { assertConfiguration, requireClient, type Configuration } from './config.js';

/**
 * One authorization request: the URL to send the user to, and the secrets needed to finish it.
 * `state` and `codeVerifier` are secrets of this run: never log them.
 */
export interface AuthorizationRequest {
  /** The authorization endpoint with every parameter: open it in the user's browser. */
  url: URL;
  /** 256 bits from a CSPRNG, base64url (RFC 6749 §10.12). */
  state: string;
  /** PKCE code verifier, 43 characters (RFC 7636 §4.1). */
  codeVerifier: string;
  /** The redirect URI sent, exactly as it must be repeated at the token endpoint. */
  redirectUri: string;
  /** The scopes requested, for {@link exchangeCode}'s granted-scope check. */
  scopes: string[];
}

/** What {@link createAuthorizationRequest} takes beside the {@link Configuration}. */
export interface AuthorizationRequestOptions {
  /**
   * Where the provider sends the user back, exactly as registered for the client (Google compares
   * byte for byte); for a Desktop app client any `http://127.0.0.1:<port>/` (RFC 8252 §7.3).
   */
  redirectUri: string;
  /** The scopes to request; at least one (e.g. {@link DEFAULT_SCOPES}). Sent space-separated. */
  scopes: readonly string[];
  /** The user's email, to preselect the account (`login_hint`). */
  loginHint?: string;
  /** An OIDC nonce to send (`nonce` parameter); the caller keeps it and passes it to exchangeCode as `expectedNonce`. */
  nonce?: string;
  /** Extra parameters (e.g. `hd`); cannot override the ones this function sets. */
  extraParams?: Record<string, string>;
  /**
   * Computes the S256 code challenge, base64url(SHA-256(verifier)), synchronously. Default:
   * oauth4webapi's, over WebCrypto's async digest, which costs a server about 0.5 ms of CPU per
   * authorization on Node 20 (issue 9); `serve` passes a node:crypto hash.
   */
  codeChallenge?: (codeVerifier: string) => string;
}

/**
 * Builds the authorization URL for the authorization code flow with PKCE S256, the way Google
 * expects it for refresh tokens: `access_type=offline`, `prompt=consent` (so a refresh token is
 * issued again for an earlier grant), `include_granted_scopes=true`. A fresh `state` (CSRF) and
 * PKCE verifier are drawn each time; keep the result until the callback arrives and pass it to
 * {@link validateCallback} and {@link exchangeCode}. No network call.
 *
 * The desktop flows ({@link runLoopbackFlow}, {@link runHeadlessFlow}) do all of this; this is the
 * first of the three steps for a program that receives the redirect itself.
 *
 * @param config from {@link discoverConfiguration} or {@link createConfiguration}; needs a client.
 * @param options the redirect URI, the scopes and the optional `login_hint`, `nonce`, extra
 *   parameters ({@link AuthorizationRequestOptions}).
 * @returns the URL to open and this run's secrets (`state`, `codeVerifier`): never log them.
 * @throws AdsOAuthError `USAGE` (not a configuration, no client, no redirect URI, no scope)
 * @example
 * ```ts
 * import { createAuthorizationRequest, DEFAULT_SCOPES, discoverConfiguration, readClientSecretsFile } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const request = await createAuthorizationRequest(config, { redirectUri: 'http://127.0.0.1:8080/', scopes: DEFAULT_SCOPES });
 * console.log(`Open ${request.url.href}`);
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export async function createAuthorizationRequest(
  config: Configuration,
  options: AuthorizationRequestOptions,
): Promise<AuthorizationRequest> {
  assertConfiguration(config, 'createAuthorizationRequest');
  const client = requireClient(config, 'createAuthorizationRequest');
  if (options === null || typeof options !== 'object' || typeof options.redirectUri !== 'string' || !Array.isArray(options.scopes)) {
    throw new AdsOAuthError(
      'USAGE',
      'createAuthorizationRequest: the options need "redirectUri" (a string) and "scopes" (an array of strings).',
    );
  }
  if (options.scopes.length === 0) {
    throw new AdsOAuthError('USAGE', 'At least one scope is needed (the default is https://www.googleapis.com/auth/adwords).');
  }
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const codeChallenge = options.codeChallenge ? options.codeChallenge(codeVerifier) : await oauth.calculatePKCECodeChallenge(codeVerifier);
  const url = new URL(config.server.as.authorization_endpoint ?? client.authUri.href);
  const params: Record<string, string> = {
    ...options.extraParams,
    client_id: client.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scopes.join(' '),
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
    state,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  };
  if (options.loginHint) params['login_hint'] = options.loginHint;
  if (options.nonce) params['nonce'] = options.nonce;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return { url, state, codeVerifier, redirectUri: options.redirectUri, scopes: [...options.scopes] };
}

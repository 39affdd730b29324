import * as oauth from 'oauth4webapi';
import type { OAuthClientConfig } from './client-file.js';
import { httpOptions, type RequestOptions } from './http.js';

/**
 * What we know about the authorization server. Google's client secrets file names only the
 * authorization and token endpoints, so the issuer is the authorization endpoint's origin
 * (`https://accounts.google.com`) unless discovery ({@link discoverServer}) proved more.
 */
export interface ServerInfo {
  /** The server's metadata, as oauth4webapi types it (`issuer`, endpoints, …). */
  as: oauth.AuthorizationServer;
  /** True when the metadata came from the server's own discovery document. */
  discovered: boolean;
}

/** The authorization server as the client file describes it, without any network call. */
export function serverFromClient(client: OAuthClientConfig, extra: { revocationEndpoint?: URL } = {}): ServerInfo {
  return {
    discovered: false,
    as: {
      issuer: client.authUri.origin,
      authorization_endpoint: client.authUri.href,
      token_endpoint: client.tokenUri.href,
      ...(extra.revocationEndpoint ? { revocation_endpoint: extra.revocationEndpoint.href } : {}),
    },
  };
}

/**
 * Best-effort OpenID Connect / RFC 8414 discovery at the authorization endpoint's origin (or at
 * `options.issuer`). The
 * document is used only when its issuer is that origin, so a client file cannot be paired with
 * another server's metadata; the endpoints of the client file always win. Its value is knowing
 * whether the server supports RFC 9207 (`iss` in the authorization response), so the mix-up
 * check runs exactly when the server promises the parameter.
 *
 * Returns the undiscovered {@link serverFromClient} view on any failure.
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export async function discoverServer(client: OAuthClientConfig, options: RequestOptions & { issuer?: URL } = {}): Promise<ServerInfo> {
  const fallback = serverFromClient(client);
  const issuer = options.issuer ?? new URL(client.authUri.origin);
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    let response: Response;
    try {
      response = await oauth.discoveryRequest(issuer, {
        ...httpOptions(issuer, { timeoutMs: 5_000, ...options }, 'discovery endpoint'),
        algorithm,
      });
    } catch {
      // Unreachable or too slow: a second well-known path would only add another wait.
      return fallback;
    }
    try {
      const metadata = await oauth.processDiscoveryResponse(issuer, response);
      return {
        discovered: true,
        as: {
          ...metadata,
          issuer: metadata.issuer,
          authorization_endpoint: client.authUri.href,
          token_endpoint: client.tokenUri.href,
        },
      };
    } catch {
      // Not every provider publishes metadata (or publishes it elsewhere): keep trying, then fall back.
    }
  }
  return fallback;
}

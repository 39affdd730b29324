// A refresh token for the Google Ads API from a "Desktop app" OAuth client, as Google's
// generate_user_credentials does: a one-shot listener on loopback, the consent in the browser,
// the code exchanged with PKCE, then the token written into google-ads.yaml (atomically, 0600).
//
//   npx tsx examples/desktop-flow.ts ~/client_secret_XXX.apps.googleusercontent.com.json [google-ads.yaml]
import { ADWORDS_SCOPE, discoverConfiguration, isAdsOAuthError, readClientSecretsFile, runLoopbackFlow, updateConfig } from 'ads-oauth';

const [clientPath = 'client_secret.json', configPath = 'google-ads.yaml'] = process.argv.slice(2);
try {
  const client = await readClientSecretsFile(clientPath);
  // The client and the provider's metadata (RFC 9207 support, the revocation endpoint…).
  const config = await discoverConfiguration(client, { timeoutMs: 30_000 });
  const result = await runLoopbackFlow(config, {
    scopes: [ADWORDS_SCOPE],
    timeoutMs: 5 * 60_000,
    // Print it (or open a browser): the user consents there, the browser returns to the listener.
    onAuthorizationUrl: (url) => console.error(`Open this URL in your browser:\n\n${url.href}\n`),
  });
  // Granular consent: the flow already refused a grant without every requested scope.
  await updateConfig(configPath, { clientId: result.clientId, clientSecret: client.clientSecret, refreshToken: result.refreshToken });
  console.error(`Wrote the refresh token to ${configPath}.`);
  console.log(result.refreshToken);
} catch (error) {
  // Every failure is an AdsOAuthError with a stable code and a message a user can act on.
  console.error(isAdsOAuthError(error) ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
}

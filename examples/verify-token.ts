// Is a refresh token still alive, and if not, why? The checks of `ads-oauth verify`: a refresh at
// the token endpoint, tokeninfo (scopes, client), and one Google Ads API call.
//
//   GOOGLE_ADS_REFRESH_TOKEN=1//… npx tsx examples/verify-token.ts ~/client_secret_XXX.json
import { createConfiguration, readClientSecretsFile, verifyCredentials } from 'ads-oauth';

const [clientPath = 'client_secret.json'] = process.argv.slice(2);
const refreshToken = process.env['GOOGLE_ADS_REFRESH_TOKEN'];
if (!refreshToken) throw new Error('Set GOOGLE_ADS_REFRESH_TOKEN to the refresh token to check.');

const client = await readClientSecretsFile(clientPath);
// Google's endpoints by default; override them for another provider (or a test server).
const endpoints = {
  ...(process.env['ADS_OAUTH_TOKENINFO_URI'] ? { tokeninfoUri: new URL(process.env['ADS_OAUTH_TOKENINFO_URI']) } : {}),
  ...(process.env['GOOGLE_ADS_API_ENDPOINT'] ? { adsApiBase: new URL(process.env['GOOGLE_ADS_API_ENDPOINT']) } : {}),
};
const config = createConfiguration(client, undefined, { endpoints, timeoutMs: 30_000 });
// checkAdsApi: one listAccessibleCustomers call, the check that the Cloud project has API access.
const result = await verifyCredentials(config, { refreshToken }, { checkAdsApi: true });
for (const check of result.checks) console.log(`${check.status.toUpperCase().padEnd(4)} ${check.id}: ${check.summary}`);
// A failed check says why, most likely cause first (for invalid_grant: all five, with their fixes).
for (const problem of result.problems) console.log(`\n[${problem.code}] ${problem.cause}\nFix: ${problem.fix}`);
process.exitCode = result.ok ? 0 : 1;

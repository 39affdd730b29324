// The library's desktop flow against a real OAuth server (oidc-provider configured like Google),
// driven by headless Chromium: runLoopbackFlow plans its own redirect for both client kinds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AdsOAuthError } from '../../src/errors.js';
import { runLoopbackFlow } from '../../src/flows/loopback.js';
import { parseClientSecrets } from '../../src/protocol/client-file.js';
import { createConfiguration } from '../../src/protocol/config.js';
import { completeConsent, launchBrowser, type LaunchedBrowser } from '../support/browser.js';
import { ADWORDS_SCOPE, getFreePort, startGoogleLikeProvider, type GoogleLikeProvider } from '../support/google-like-provider.js';

describe('runLoopbackFlow against oidc-provider', () => {
  let provider: GoogleLikeProvider;
  let browser: LaunchedBrowser;
  let registered: string;

  before(async () => {
    registered = `http://127.0.0.1:${await getFreePort()}/oauth2callback`;
    provider = await startGoogleLikeProvider({ webRedirectUris: [registered] });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await provider?.close();
  });

  async function consent(kind: 'installed' | 'web') {
    const client = parseClientSecrets(JSON.stringify(provider.clientSecrets(kind)), `${kind}.json`);
    const page = await browser.page();
    let consented: Promise<unknown> = Promise.resolve();
    try {
      const result = await runLoopbackFlow(createConfiguration(client), {
        scopes: [ADWORDS_SCOPE],
        timeoutMs: 60_000,
        onAuthorizationUrl: (url) => {
          consented = completeConsent(page, url.href, { ...provider.user });
        },
      });
      await consented;
      return result;
    } finally {
      await consented.catch(() => undefined);
      await page.close();
    }
  }

  test(
    'a web client: the flow uses its registered loopback redirect URI, exactly, with no redirect given',
    { timeout: 120_000 },
    async () => {
      const result = await consent('web');
      assert.equal(result.redirectUri, registered);
      assert.ok(result.refreshToken.length > 10);
      assert.equal(result.clientId, provider.web.client_id);
    },
  );

  test('an installed client: an ephemeral loopback port', { timeout: 120_000 }, async () => {
    const result = await consent('installed');
    assert.match(result.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(result.refreshToken.length > 10);
  });

  test('a web client without a loopback redirect URI: NO_REDIRECT_URI before anything listens', async () => {
    const json = provider.clientSecrets('web') as { web: Record<string, unknown> };
    const client = parseClientSecrets(JSON.stringify({ web: { ...json.web, redirect_uris: ['https://app.example.com/cb'] } }), 'web.json');
    await assert.rejects(
      runLoopbackFlow(createConfiguration(client), {
        scopes: [ADWORDS_SCOPE],
        timeoutMs: 1_000,
        onAuthorizationUrl: () => assert.fail('no URL'),
      }),
      (error: unknown) => error instanceof AdsOAuthError && error.code === 'NO_REDIRECT_URI' && error.hints.includes('headless'),
    );
  });
});

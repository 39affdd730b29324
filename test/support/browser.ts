// Headless Debian Chromium driven by playwright-core, and a helper that walks the
// google-like-provider's sign-in and consent pages the way a person would.
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

export interface LaunchedBrowser {
  context: BrowserContext;
  /** A fresh tab (the first call reuses the blank tab Chromium opens with). */
  page(): Promise<Page>;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Path of the Chromium binary: $CHROMIUM_PATH, else /usr/bin/chromium (Debian's package). */
export async function findChromium(): Promise<string> {
  const env = process.env['CHROMIUM_PATH'];
  for (const candidate of env ? [env, ...CANDIDATES] : CANDIDATES) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `Chromium not found (looked at ${env ? `$CHROMIUM_PATH=${env}, ` : ''}${CANDIDATES.join(', ')}). ` +
      'Install it with `apt-get install -y chromium` or set CHROMIUM_PATH.',
  );
}

export async function launchBrowser(): Promise<LaunchedBrowser> {
  const executablePath = await findChromium();
  const profileDir = await mkdtemp(join(tmpdir(), 'ads-oauth-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (err) {
    await rm(profileDir, { recursive: true, force: true });
    throw err;
  }
  let firstPageTaken = false;
  let closed: Promise<void> | undefined;
  return {
    context,
    async page() {
      if (!firstPageTaken) {
        firstPageTaken = true;
        const blank = context.pages().find((p) => p.url() === 'about:blank');
        if (blank) return blank;
      }
      return context.newPage();
    },
    close() {
      closed ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(profileDir, { recursive: true, force: true });
        }
      })();
      return closed;
    },
  };
}

export interface ConsentOptions {
  login: string;
  password: string;
  /** Button to press on the consent page; default 'allow'. */
  action?: 'allow' | 'deny';
  /** Scopes to untick on the consent page before pressing the button. */
  untick?: string[];
  /** Overall time limit; default 30 s. */
  timeoutMs?: number;
}

export interface ConsentOutcome {
  /** The first URL outside the provider's origin the browser was sent to: the full callback URL. */
  finalUrl: string;
  /** HTTP status of the callback response, if something answered it. */
  status?: number;
  /** Text of the page the browser ended on ('' if the callback target was unreachable). */
  bodyText: string;
}

function isMissingTarget(err: unknown): boolean {
  return err instanceof Error && /net::ERR_|NS_ERROR_|interrupted by another navigation|frame was detached/i.test(err.message);
}

/**
 * Opens `authorizationUrl`, signs in if asked, continues past an account chooser, unticks the
 * given scopes, presses Allow or Deny, and waits until the browser is sent off the provider's
 * origin (the redirect to the client). Works whether or not something listens at the redirect
 * target. Throws with the page text if the provider shows an error page or rejects the login.
 */
export async function completeConsent(page: Page, authorizationUrl: string, options: ConsentOptions): Promise<ConsentOutcome> {
  const providerOrigin = new URL(authorizationUrl).origin;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const remaining = () => Math.max(1, deadline - Date.now());

  let landedRequest: Request | undefined;
  let onLanded: (r: Request) => void = () => {};
  const landed = new Promise<Request>((resolve) => {
    onLanded = resolve;
  });
  const onRequest = (request: Request) => {
    if (landedRequest || !request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    let origin: string;
    try {
      origin = new URL(request.url()).origin;
    } catch {
      return;
    }
    if (origin === providerOrigin) return;
    landedRequest = request;
    onLanded(request);
  };
  page.on('request', onRequest);

  try {
    try {
      await page.goto(authorizationUrl, { waitUntil: 'domcontentloaded', timeout: remaining() });
    } catch (err) {
      if (!(landedRequest && isMissingTarget(err))) throw err;
    }

    let previousPage = '';
    const untick = [...(options.untick ?? [])];
    let actions = 0;
    while (!landedRequest) {
      if (actions > 8 || Date.now() > deadline) throw new Error(`consent flow did not finish; last page:\n${await bodyTextOf(page)}`);
      const selector = previousPage ? `main[data-interaction]:not([data-page="${previousPage}"])` : 'main[data-interaction]';
      // Poll in short slices so no wait is left pending once the browser has left the provider.
      const next = await page.waitForSelector(selector, { timeout: Math.min(500, remaining()) }).catch(() => null);
      if (!next) continue;
      if (landedRequest) break;
      let kind: string | null;
      try {
        kind = await next.getAttribute('data-interaction');
        previousPage = (await next.getAttribute('data-page')) ?? '';
      } catch {
        continue; // navigated away while reading it
      }
      actions += 1;

      const act = async (fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (err) {
          if (!(landedRequest && isMissingTarget(err))) throw err;
        }
      };

      switch (kind) {
        case 'login': {
          const error = await page.$('[data-error="login"]');
          if (error) throw new Error(`login rejected: ${(await error.innerText()).trim()}`);
          await page.fill('input[name="login"]', options.login);
          await page.fill('input[name="password"]', options.password);
          await act(() => page.click('button#signin'));
          break;
        }
        case 'select_account':
          await act(() => page.click('button#continue'));
          break;
        case 'consent': {
          for (const scope of untick.splice(0)) {
            const box = page.locator(`input[name="scope"][value="${scope.replace(/["\\]/g, '\\$&')}"]`);
            if ((await box.count()) === 0) throw new Error(`scope ${scope} is not listed on the consent page`);
            await box.uncheck();
          }
          await act(() => page.click(options.action === 'deny' ? 'button#deny' : 'button#allow'));
          break;
        }
        case 'error':
          throw new Error(`the provider showed an error page:\n${await bodyTextOf(page)}`);
        default:
          throw new Error(`unexpected provider page ${String(kind)}`);
      }
    }

    const request = landedRequest ?? (await landed);
    const finalUrl = request.url();
    let status: number | undefined;
    const response = await Promise.race([
      request.response().catch(() => null),
      new Promise<null>((resolve) => {
        const t = setTimeout(() => resolve(null), remaining());
        t.unref();
      }),
    ]);
    if (response) {
      status = response.status();
      await page.waitForLoadState('domcontentloaded', { timeout: remaining() }).catch(() => {});
    }
    const bodyText = response ? await bodyTextOf(page) : '';
    return status === undefined ? { finalUrl, bodyText } : { finalUrl, status, bodyText };
  } finally {
    page.off('request', onRequest);
  }
}

async function bodyTextOf(page: Page): Promise<string> {
  try {
    return await page.innerText('body', { timeout: 2_000 });
  } catch {
    return '';
  }
}

/** Saves a full-page PNG (handy when a test fails). */
export async function screenshot(page: Page, path: string): Promise<void> {
  await page.screenshot({ path, fullPage: true });
}

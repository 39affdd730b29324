// A headless "virtual browser" for the serve tests: plain fetch with its own cookie jar, which
// goes through /connect, the Google-like provider's login and consent pages (posting the same
// forms a person would) and the callback. Cheap enough to run a hundred at once, where a Chromium
// per user would not be.
//
// Cookies are kept per host name, not per port (as browsers do), and sent to every path: the
// names used here (the pre-auth cookie, oidc-provider's _session/_interaction*) do not collide.

export class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.#cookies.get(url.hostname) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url: URL, response: Response): void {
    let host = this.#cookies.get(url.hostname);
    if (!host) this.#cookies.set(url.hostname, (host = new Map()));
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const i = pair.indexOf('=');
      if (i < 0) continue;
      const name = pair.slice(0, i).trim();
      const expired = attributes.some((a) => {
        const [k = '', v = ''] = a.split('=').map((s) => s.trim());
        return (k.toLowerCase() === 'max-age' && Number(v) <= 0) || (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now());
      });
      if (expired) host.delete(name);
      else host.set(name, pair.slice(i + 1).trim());
    }
  }
}

export interface HttpBrowser {
  jar: CookieJar;
  /** One request with the jar's cookies; redirects are not followed. */
  request(url: string | URL, init?: RequestInit): Promise<Response>;
}

export function httpBrowser(): HttpBrowser {
  const jar = new CookieJar();
  return {
    jar,
    async request(url, init = {}) {
      const target = new URL(url);
      const headers = new Headers(init.headers);
      const cookie = jar.header(target);
      if (cookie) headers.set('cookie', cookie);
      const response = await fetch(target, { ...init, headers, redirect: 'manual' });
      jar.store(target, response);
      return response;
    },
  };
}

export interface HttpConsentOptions {
  login: string;
  password: string;
  /** Scopes to leave unticked. */
  untick?: string[];
  action?: 'allow' | 'deny';
  /**
   * Where the callback (the redirect to the public URL) is sent: the origin of one instance
   * behind the "load balancer". Default: the redirect as it is.
   */
  callbackOrigin?: string;
}

export interface HttpConsentOutcome {
  /** The status and body of the app's answer to the callback. */
  status: number;
  body: string;
  /** The callback URL as the provider redirected to it (code, state, iss in the query). */
  callbackUrl: string;
  /** The authorization request (state, nonce, code_challenge in the query). */
  authorizationUrl: string;
}

const attr = (html: string, re: RegExp): string | undefined =>
  re
    .exec(html)?.[1]
    ?.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');

/**
 * From the provider's authorization URL (the Location of /connect) to the app's callback answer.
 * `publicOrigin` is the origin of the redirect URI: the first redirect there is the callback.
 */
export async function httpConsent(
  browser: HttpBrowser,
  authorizationUrl: string,
  publicOrigin: string,
  options: HttpConsentOptions,
): Promise<HttpConsentOutcome> {
  let url = new URL(authorizationUrl);
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    if (url.origin === new URL(publicOrigin).origin) {
      const callbackUrl = url.href;
      const target = options.callbackOrigin ? new URL(url.pathname + url.search, options.callbackOrigin) : url;
      const response = await browser.request(target);
      return { status: response.status, body: await response.text(), callbackUrl, authorizationUrl };
    }
    const response = await browser.request(url, init);
    init = {};
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const html = await response.text();
    const kind = attr(html, /data-interaction="([^"]+)"/);
    const action = attr(html, /<form[^>]*action="([^"]+)"/);
    if (response.status !== 200 || !kind || !action)
      throw new Error(`unexpected provider answer ${response.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    const form = new URLSearchParams();
    if (kind === 'login') {
      if (/data-error="login"/.test(html)) throw new Error(`the provider refused the login of ${options.login}`);
      form.set('login', options.login);
      form.set('password', options.password);
    } else if (kind === 'consent') {
      for (const m of html.matchAll(/name="scope" value="([^"]+)"/g)) {
        const scope = m[1]!.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n)));
        if (!options.untick?.includes(scope)) form.append('scope', scope);
      }
      form.set('action', options.action ?? 'allow');
    } else if (kind !== 'select_account') {
      throw new Error(`the provider showed a "${kind}" page: ${html.slice(0, 300)}`);
    }
    url = new URL(action, url);
    init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many redirects');
}

/** GET /connect on `instanceOrigin` in this browser, then the consent, then the callback. */
export async function httpConnect(
  browser: HttpBrowser,
  instanceOrigin: string,
  publicOrigin: string,
  options: HttpConsentOptions,
): Promise<HttpConsentOutcome> {
  const start = await browser.request(new URL('/connect', instanceOrigin));
  const location = start.headers.get('location');
  await start.body?.cancel();
  if (start.status !== 302 || !location) throw new Error(`/connect answered ${start.status}`);
  return httpConsent(browser, location, publicOrigin, options);
}

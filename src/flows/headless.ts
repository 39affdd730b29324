import { AdsOAuthError } from '../errors.js';
import { parsePastedCallback } from '../protocol/callback.js';
import type { Configuration } from '../protocol/config.js';
import { AuthorizationSession, flowSignal, isForeignCallback, type FlowOptions, type FlowResult } from './session.js';

/** What {@link runHeadlessFlow} takes beside the {@link Configuration}. */
export interface HeadlessFlowOptions extends FlowOptions {
  /** The redirect URI to send; nothing listens there (installed) or it is the user's own site (web). */
  redirectUri: string;
  /** Reads one line the user pasted; resolves `null` at the end of input. */
  readLine: () => Promise<string | null>;
  /** Ask again after a bad paste (interactive terminals); otherwise the first bad paste fails. */
  retry: boolean;
  /** How long to wait for a paste, in milliseconds. */
  timeoutMs: number;
}

/**
 * The instructions to show with the consent URL in paste mode: open it anywhere, expect the
 * browser to end on an unreachable page at `redirectUri`, copy that address and paste it.
 *
 * @param redirectUri the redirect URI of the run, named so the user recognises the address.
 * @returns three lines of text, joined with `\n`.
 * @example
 * ```ts
 * import { headlessInstructions } from 'ads-oauth';
 *
 * console.log(headlessInstructions('http://127.0.0.1:51234/'));
 * ```
 */
export function headlessInstructions(redirectUri: string): string {
  return [
    'Open the URL above in a browser on any machine and approve access.',
    `The browser then goes to ${redirectUri}… and shows "This site can't be reached" (or its own page): that is expected.`,
    "Copy the full address from the browser's address bar and paste it here, then press Enter.",
  ].join('\n');
}

/**
 * The paste flow for SSH sessions and containers, where no browser can reach a listener (the
 * replacement for the out-of-band flow Google retired): the user completes consent in any
 * browser and pastes the address it ends on. The pasted text goes through
 * {@link parsePastedCallback} and is validated like a real callback (state included) before the
 * code is exchanged. Nothing listens on `redirectUri`: for a Desktop app client use
 * `http://127.0.0.1:<some port>/`, which the browser fails to load, leaving the code in its
 * address bar.
 *
 * @param config from {@link discoverConfiguration}; needs a client.
 * @param options scopes, `onAuthorizationUrl`, the `redirectUri` to send, `readLine` (one line
 *   per call; `null` at end of input), `retry` (ask again after a bad paste) and `timeoutMs`
 *   ({@link HeadlessFlowOptions}).
 * @returns the credentials ({@link FlowResult}).
 * @throws AdsOAuthError `INVALID_CALLBACK` (a bad paste without `retry`, or end of input:
 *   `details.reason` `eof`), `TIMEOUT`, `INTERRUPTED`, and whatever {@link validateCallback} and
 *   {@link exchangeCode} throw
 * @example
 * ```ts
 * import { createInterface } from 'node:readline/promises';
 * import { DEFAULT_SCOPES, discoverConfiguration, headlessInstructions, readClientSecretsFile, runHeadlessFlow } from 'ads-oauth';
 *
 * const config = await discoverConfiguration(await readClientSecretsFile('client_secret.json'));
 * const rl = createInterface({ input: process.stdin, output: process.stderr });
 * const redirectUri = 'http://127.0.0.1:51234/';
 * const { refreshToken } = await runHeadlessFlow(config, {
 *   scopes: DEFAULT_SCOPES,
 *   redirectUri,
 *   retry: true,
 *   timeoutMs: 600_000,
 *   readLine: () => rl.question('Address: '),
 *   onAuthorizationUrl: (url) => console.error(`${url.href}\n${headlessInstructions(redirectUri)}`),
 * });
 * rl.close();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @see https://developers.google.com/identity/protocols/oauth2/native-app
 */
export async function runHeadlessFlow(config: Configuration, options: HeadlessFlowOptions): Promise<FlowResult> {
  const session = await AuthorizationSession.start(config, options, options.redirectUri);
  await options.onAuthorizationUrl(session.request.url, { redirectUri: options.redirectUri });
  const deadline = Date.now() + options.timeoutMs;
  options.onEvent?.({ type: 'waiting', redirectUri: options.redirectUri, deadline });
  for (;;) {
    const line = await withDeadline(options.readLine(), deadline, flowSignal(config, options), options.timeoutMs);
    if (line === null) {
      throw new AdsOAuthError(
        'INVALID_CALLBACK',
        'No address was pasted (end of input). Paste the address the browser ends on after consent.',
        {
          details: { reason: 'eof' },
        },
      );
    }
    try {
      const url = parsePastedCallback(line, options.redirectUri);
      return await session.complete(url);
    } catch (error) {
      if (!isForeignCallback(error)) throw error;
      const reason = error.details.reason ?? 'invalid';
      const message =
        reason === 'state_mismatch'
          ? 'That address is from another run (its "state" does not match this one). Use the URL printed above, finish the consent, and paste the address you end on.'
          : error.message;
      if (!options.retry) {
        throw new AdsOAuthError('INVALID_CALLBACK', message, { details: error.details });
      }
      options.onEvent?.({ type: 'callback-rejected', reason, message });
    }
  }
}

function withDeadline<T>(promise: Promise<T>, deadline: number, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(
      () => {
        cleanup();
        reject(
          new AdsOAuthError(
            'TIMEOUT',
            [
              `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the pasted address. Likely causes:`,
              '  1. The consent was not finished in the browser.',
              '  2. The browser showed "Error 400: redirect_uri_mismatch" instead of going on: the redirect URI is not registered for this client.',
              '  3. Nothing was pasted: copy the whole address the browser ends on, paste it here and press Enter.',
            ].join('\n'),
            { details: { timeoutMs, mode: 'headless' }, hints: ['timeout'] },
          ),
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = (): void => {
      cleanup();
      const reason = signal?.reason;
      reject(reason instanceof AdsOAuthError ? reason : new AdsOAuthError('INTERRUPTED', 'Interrupted.'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

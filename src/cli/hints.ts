import { isAdsOAuthError, type AdsOAuthError, type ErrorHint } from '../errors.js';

/**
 * The CLI's own advice for the hints of an {@link AdsOAuthError}: the library says what happened
 * (with `hints` for what could help), this module names the flags. One line per hint, in the
 * error's order; empty when the error has no hint.
 */
export function adviceFor(error: AdsOAuthError): string[] {
  return error.hints.map((hint) => advice(hint, error)).filter((line): line is string => line !== undefined);
}

function advice(hint: ErrorHint, error: AdsOAuthError): string | undefined {
  switch (hint) {
    case 'headless':
      return 'If the browser runs on another machine (over SSH, in a container), use --headless: open the URL there and paste the address it ends on.';
    case 'timeout':
      return error.code === 'NETWORK'
        ? 'How long to wait is --timeout SECONDS (it bounds the code exchange too).'
        : 'Run again (with --timeout SECONDS to wait longer).';
    case 'port':
      if (isAdsOAuthError(error, 'USAGE') && typeof error.details.registered === 'string') {
        return `Drop --port, or register http://127.0.0.1:${error.details.port ?? '<port>'} for this client in the Cloud console.`;
      }
      return 'Choose another port with --port (installed clients), or omit --port for a free one.';
    case 'scopes':
      return error.code === 'NO_REFRESH_TOKEN'
        ? 'For a provider that issues refresh tokens only with "offline_access": add it with --additional_scopes offline_access.'
        : 'Check the scopes asked for: --scopes / --additional_scopes.';
    case 'regenerate':
      return 'Generate a new refresh token: run generate-user-credentials again (ads-oauth generate).';
    case 'retry':
      return 'Run the command again.';
    case 'network':
      return 'Check your network, firewall and the endpoint URL, then run again. Behind a proxy, set HTTPS_PROXY=http://host:port (NO_PROXY lists hosts to reach directly).';
    case 'login_customer':
      return 'Set the login customer ID: ads-oauth customers --config --set-login-customer-id.';
    default:
      return undefined;
  }
}

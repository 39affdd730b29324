/** The Google Ads API scope: the default of every flow. */
export const ADWORDS_SCOPE = 'https://www.googleapis.com/auth/adwords';

/** The default scope list, as Google's own `generate_user_credentials` tools use it. */
export const DEFAULT_SCOPES: readonly string[] = [ADWORDS_SCOPE];

/**
 * Splits scope arguments that may be comma- or space-separated, drops empties and duplicates,
 * keeps the order of first appearance.
 */
export function normalizeScopes(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(/[\s,]+/)) {
      if (part !== '' && !out.includes(part)) out.push(part);
    }
  }
  return out;
}

/**
 * Resolves the scopes to request: `scopes` replaces the default list, `additional` extends it.
 */
export function resolveScopes(options: { scopes?: readonly string[]; additional?: readonly string[] }): string[] {
  const base = options.scopes && options.scopes.length > 0 ? normalizeScopes(options.scopes) : [...DEFAULT_SCOPES];
  return normalizeScopes([...base, ...(options.additional ?? [])]);
}

/**
 * Scopes that were requested but are absent from the granted `scope` string (granular consent).
 * Google may return short aliases (`email`, `profile`, `openid`) for their full URLs; both
 * spellings count as granted.
 */
export function missingScopes(requested: readonly string[], granted: string | undefined): string[] {
  if (granted === undefined) return [];
  const have = new Set(granted.split(/\s+/).filter(Boolean));
  const alias: Record<string, string> = {
    email: 'https://www.googleapis.com/auth/userinfo.email',
    profile: 'https://www.googleapis.com/auth/userinfo.profile',
  };
  for (const [short, long] of Object.entries(alias)) {
    if (have.has(short)) have.add(long);
    if (have.has(long)) have.add(short);
  }
  return requested.filter((scope) => !have.has(scope));
}

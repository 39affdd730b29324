import { GOOGLE_ADS_API_ENDPOINT, GOOGLE_ADS_API_VERSION, normalizeApiVersion } from '../protocol/ads-api.js';
import { GOOGLE_TOKENINFO_URI } from '../protocol/tokeninfo.js';
import type { LifecycleEndpoints } from './types.js';

/** Google's token endpoint. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Google's RFC 7009 revocation endpoint. */
export const GOOGLE_REVOKE_URI = 'https://oauth2.googleapis.com/revoke';

/** Google's endpoints and the current Google Ads API version. */
export function defaultEndpoints(): LifecycleEndpoints {
  return {
    tokenUri: new URL(GOOGLE_TOKEN_URI),
    revokeUri: new URL(GOOGLE_REVOKE_URI),
    tokeninfoUri: new URL(GOOGLE_TOKENINFO_URI),
    adsApiBase: new URL(GOOGLE_ADS_API_ENDPOINT),
    apiVersion: GOOGLE_ADS_API_VERSION,
  };
}

/** Fills the gaps of `partial` with Google's endpoints. */
export function resolveEndpoints(partial: Partial<LifecycleEndpoints> = {}): LifecycleEndpoints {
  const defaults = defaultEndpoints();
  return {
    tokenUri: partial.tokenUri ?? defaults.tokenUri,
    revokeUri: partial.revokeUri ?? defaults.revokeUri,
    tokeninfoUri: partial.tokeninfoUri ?? defaults.tokeninfoUri,
    adsApiBase: partial.adsApiBase ?? defaults.adsApiBase,
    apiVersion: partial.apiVersion ? normalizeApiVersion(partial.apiVersion) : defaults.apiVersion,
  };
}

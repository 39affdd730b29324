/**
 * Token lifecycle: verify a refresh token (and explain why it died), revoke it, list the Google
 * Ads customers it reaches. Pure of `process`: everything comes in as arguments, network calls go
 * through an injectable `fetch`.
 */
export { verifyCredentials, type VerifyOptions, type VerifyResult } from './verify.js';
export { revokeRefreshToken, DEFAULT_REVOKE_RETRY_DELAYS_MS, type RevokeOptions, type RevokeResult } from './revoke.js';
export {
  listCustomers,
  accessTokenFor,
  type CustomerEntry,
  type CustomerFailure,
  type ListCustomersOptions,
  type ListCustomersResult,
} from './customers.js';
export {
  INVALID_GRANT_CAUSES,
  diagnoseAdsError,
  diagnoseRefreshError,
  diagnoseTokeninfoError,
  formatProblem,
  problemsError,
} from './diagnosis.js';
export { GOOGLE_REVOKE_URI, GOOGLE_TOKEN_URI } from './endpoints.js';
export type { AdsCredentials, Check, CheckId, LifecycleOptions, LikelyCause, Problem } from './types.js';
export {
  GOOGLE_ADS_API_ENDPOINT,
  GOOGLE_ADS_API_VERSION,
  normalizeApiVersion,
  normalizeCustomerId,
  CUSTOMER_DETAILS_QUERY,
} from '../protocol/ads-api.js';
export { GOOGLE_TOKENINFO_URI, fetchTokenInfo, type TokenInfo } from '../protocol/tokeninfo.js';

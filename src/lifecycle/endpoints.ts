/** Google's endpoints, the defaults of every {@link Configuration} (see `src/protocol/config.ts`). */
export { GOOGLE_REVOKE_URI, GOOGLE_TOKEN_URI } from '../protocol/config.js';

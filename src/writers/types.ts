/**
 * Types shared by the config-file writers. Everything under `src/writers` is pure: strings in,
 * strings out, no file system, no `node:` imports. File I/O lives in `src/stores/config-file.ts`.
 */

/** A credential that ads-oauth reads from or writes to a client-library configuration file. */
export type CredentialField = 'clientId' | 'clientSecret' | 'refreshToken' | 'developerToken' | 'loginCustomerId';

/** Values read from a configuration file; a field is absent when the file does not set it. */
export type ConfigValues = Partial<Record<CredentialField, string>>;

/** Changes to apply: a string sets the key, `null` removes it, an absent field is left alone. */
export type ConfigChanges = Partial<Record<CredentialField, string | null>>;

import type { FormatId } from './catalog.js';
import type { Charset } from './encoding.js';
export type { FormatId } from './catalog.js';

/**
 * One configuration-file format of a Google Ads client library (google-ads.yaml for Python,
 * ads.properties for Java, google_ads_php.ini, …): how to read the managed credentials from a
 * file's text and how to change them while keeping every other byte. Pure: strings in, strings
 * out. Get one with {@link getFormat}; {@link updateConfig} does the file handling.
 */
export interface ConfigFormat {
  /** The format's id, one of {@link FORMAT_IDS}. */
  id: FormatId;
  /** The client library (or tool) that reads this format. */
  library: string;
  /** One line for `--help` and error messages. */
  description: string;
  /** Where the library documents the format. */
  docsUrl: string;
  /** How the library turns the file's bytes into text (see `encoding.ts`). */
  charset: Charset;
  /**
   * Reads the managed credentials from a file's text.
   * @throws AdsOAuthError('CONFIG') when the text does not parse; the message never quotes values.
   */
  read(text: string): ConfigValues;
  /**
   * Applies `changes` to a file's text (`undefined`: the file does not exist yet) and returns the
   * new text plus the keys that still hold an `INSERT_…_HERE` placeholder. Only the managed keys
   * change; everything else is kept byte for byte.
   * @throws AdsOAuthError('CONFIG') when the existing text does not parse or cannot be edited safely;
   *   AdsOAuthError('CONFIG_WRITE') when a value cannot be represented exactly in this format;
   *   AdsOAuthError('USAGE') when the format has no key for a field being set.
   */
  update(existing: string | undefined, changes: ConfigChanges): { text: string; placeholders: string[] };
  /**
   * The key this format uses for a field, as a user would search for it in the file
   * (e.g. `api.googleads.loginCustomerId`).
   * @throws AdsOAuthError('USAGE') when the format has no such key (ADC has no developer token).
   */
  keyFor(field: CredentialField): string;
}

/** Field order used for new files and for "insert after the previous managed key". */
export const FIELD_ORDER: readonly CredentialField[] = ['developerToken', 'loginCustomerId', 'clientId', 'clientSecret', 'refreshToken'];

/** Human names for fields, used in messages instead of values. */
export const FIELD_LABELS: Record<CredentialField, string> = {
  clientId: 'client ID',
  clientSecret: 'client secret',
  refreshToken: 'refresh token',
  developerToken: 'developer token',
  loginCustomerId: 'login customer ID',
};

/**
 * Writers for every official Google Ads API client library configuration format.
 *
 * Everything in `src/writers` is pure (strings in, strings out; no `node:` imports): reading and
 * writing files, locking and permissions are `src/stores/config-file.ts`'s job.
 */
import { AdsOAuthError } from '../errors.js';
import { FORMAT_IDS } from './catalog.js';
import { appconfigFormat } from './appconfig.js';
import { dotenvFormat } from './dotenv.js';
import { javaFormat } from './java.js';
import { adcFormat, appsettingsFormat } from './json-formats.js';
import { perlFormat } from './perl.js';
import { phpFormat } from './php.js';
import { rubyFormat } from './ruby.js';
import type { ConfigChanges, ConfigFormat, ConfigValues, FormatId } from './types.js';
import { checkEncodable, decodeText, encodeText, NEW_FILE, type DecodedText } from './encoding.js';
import { yamlFormat } from './yaml.js';

export type { ConfigChanges, ConfigFormat, ConfigValues, CredentialField, FormatId } from './types.js';
export { FIELD_LABELS, FIELD_ORDER } from './types.js';
export { isPlaceholder } from './text.js';
export { checkEncodable, decodeText, encodeText, NEW_FILE, type Charset, type DecodedText } from './encoding.js';

/**
 * A format whose library skips a UTF-8 byte order mark also reads and edits text that starts with
 * one as if it did not, and keeps it at the very start: the key on the first line is recognised, and
 * nothing is ever inserted above the mark (which would put it inside the file, into a key).
 */
function bomAware(format: ConfigFormat): ConfigFormat {
  if (!format.charset.skipsBom) return format;
  const strip = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  return {
    ...format,
    read: (text) => format.read(strip(text)),
    update(existing, changes) {
      if (existing === undefined || existing.charCodeAt(0) !== 0xfeff) return format.update(existing, changes);
      const result = format.update(existing.slice(1), changes);
      return { ...result, text: `\ufeff${result.text}` };
    },
  };
}

const FORMATS: Record<FormatId, ConfigFormat> = {
  yaml: bomAware(yamlFormat),
  java: javaFormat,
  php: bomAware(phpFormat),
  ruby: bomAware(rubyFormat),
  perl: perlFormat,
  dotenv: bomAware(dotenvFormat),
  appsettings: bomAware(appsettingsFormat),
  appconfig: bomAware(appconfigFormat),
  adc: bomAware(adcFormat),
};

export { FORMAT_IDS, defaultConfigPath } from './catalog.js';

/**
 * The format with this id, to read or edit a file's text without touching the disk.
 *
 * @param id one of {@link FORMAT_IDS} (`yaml`, `java`, `php`, …); case and surrounding spaces ignored.
 * @returns the {@link ConfigFormat}.
 * @throws AdsOAuthError `USAGE` for an unknown id, listing the valid ones
 * @example
 * ```ts
 * import { getFormat } from 'ads-oauth';
 *
 * const yaml = getFormat('yaml');
 * const { text } = yaml.update('# my settings\nuse_proto_plus: true\n', { refreshToken: '1//0g…' });
 * console.log(text, yaml.keyFor('refreshToken')); // … refresh_token
 * ```
 */
export function getFormat(id: string): ConfigFormat {
  const format = (FORMATS as Record<string, ConfigFormat | undefined>)[id.trim().toLowerCase()];
  if (!format) {
    throw new AdsOAuthError('USAGE', `Unknown config format "${id}". Valid formats: ${FORMAT_IDS.join(', ')}.`, {
      details: { format: id, valid: [...FORMAT_IDS] },
    });
  }
  return format;
}

/** The file name of a path, whichever separator it uses. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/** File names each library looks for, matched exactly (App.config / Web.config case-insensitively). */
const EXACT_NAMES: Record<string, FormatId> = {
  'google-ads.yaml': 'yaml',
  'ads.properties': 'java',
  'google_ads_php.ini': 'php',
  'google_ads_config.rb': 'ruby',
  'googleads.properties': 'perl',
  '.env': 'dotenv',
  'appsettings.json': 'appsettings',
};

/**
 * The format a path's name implies: first the libraries' own file names (`google-ads.yaml`,
 * `ads.properties`, `google_ads_php.ini`, `google_ads_config.rb`, `googleads.properties`, `.env`,
 * `appsettings.json` and `appsettings.<Environment>.json`, `App.config`, `Web.config`), then the
 * extension (`.yaml`/`.yml`, `.properties` → java, `.ini` → php, `.rb` → ruby, `*.env` → dotenv).
 * `undefined` when neither tells (ADC files are only ever chosen with an explicit format).
 *
 * @param path a file path or name, with `/` or `\` separators; only the name is read.
 * @returns the format id, or `undefined`.
 * @example
 * ```ts
 * import { detectFormat } from 'ads-oauth';
 *
 * detectFormat('/home/me/google-ads.yaml'); // 'yaml'
 * detectFormat('config/ads.properties'); // 'java'
 * ```
 */
export function detectFormat(path: string): FormatId | undefined {
  const name = baseName(path);
  const exact = EXACT_NAMES[name];
  if (exact) return exact;
  const lower = name.toLowerCase();
  if (lower === 'app.config' || lower === 'web.config') return 'appconfig';
  if (/^appsettings\.[^.]+\.json$/i.test(name)) return 'appsettings';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.properties')) return 'java';
  if (lower.endsWith('.ini')) return 'php';
  if (lower.endsWith('.rb')) return 'ruby';
  if (lower.endsWith('.env')) return 'dotenv';
  return undefined;
}

/**
 * The format to use for a path: the explicit one when given (`--format`), else the detected one.
 * @throws AdsOAuthError('USAGE') for an unknown explicit format, or a name that tells nothing.
 */
export function resolveFormat(path: string, explicit?: string): ConfigFormat {
  if (explicit !== undefined && explicit !== '') return getFormat(explicit);
  const detected = detectFormat(path);
  if (!detected) {
    throw new AdsOAuthError(
      'USAGE',
      `Cannot tell the config format of "${baseName(path)}" from its name; pass --format with one of: ${FORMAT_IDS.join(', ')}.`,
      { details: { path, valid: [...FORMAT_IDS] } },
    );
  }
  return FORMATS[detected];
}

/**
 * A complete, minimal configuration file of this format holding `values` (missing required keys
 * as `INSERT_…_HERE` placeholders), as `--print-config` prints it: for a user to paste, nothing
 * is written.
 *
 * @param id the format.
 * @param values the credentials to put in; absent ones become placeholders where the library
 *   requires them.
 * @returns the file's text.
 * @throws AdsOAuthError `USAGE` (an unknown id, a field the format has no key for),
 *   `CONFIG_WRITE` (a value the format cannot hold exactly)
 * @example
 * ```ts
 * import { renderSnippet } from 'ads-oauth';
 *
 * console.log(renderSnippet('yaml', { clientId: 'id.apps.googleusercontent.com', clientSecret: 'secret', refreshToken: '1//0g…' }));
 * ```
 */
export function renderSnippet(id: FormatId, values: ConfigValues): string {
  return getFormat(id).update(undefined, values).text;
}

/** What the format's name is in messages about its bytes ("google-ads.yaml file"). */
function fileWhat(format: ConfigFormat): string {
  return `${format.id} config file`;
}

/**
 * Decodes a file's bytes as the format's library does (see `encoding.ts`).
 * @throws AdsOAuthError('CONFIG') for bytes that library would refuse; never quoting them.
 */
export function decodeConfig(format: ConfigFormat, bytes: Uint8Array): DecodedText {
  return decodeText(bytes, format.charset, fileWhat(format), format.library);
}

/** Reads the managed values from a file's bytes. */
export function readConfigBytes(format: ConfigFormat, bytes: Uint8Array): ConfigValues {
  return format.read(decodeConfig(format, bytes).text);
}

/**
 * {@link ConfigFormat.update} on bytes: decodes `existing` (`undefined`: a new file, written as
 * UTF-8), applies `changes` and encodes the result the same way, so every byte outside the managed
 * keys stays as it was, whatever the file's encoding.
 * @throws AdsOAuthError as `update` does, and ('CONFIG') for undecodable bytes, ('CONFIG_WRITE') for a
 *   value the file's encoding cannot hold.
 */
export function updateConfigBytes(
  format: ConfigFormat,
  existing: Uint8Array | undefined,
  changes: ConfigChanges,
): { bytes: Uint8Array; placeholders: string[]; encoding: DecodedText['encoding'] } {
  const decoded = existing === undefined ? undefined : decodeConfig(format, existing);
  checkEncodable(changes, decoded);
  const result = format.update(decoded?.text, changes);
  const how = decoded ?? NEW_FILE;
  return { bytes: encodeText(result.text, how), placeholders: result.placeholders, encoding: how.encoding };
}

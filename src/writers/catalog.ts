/**
 * The light part of the writers: format ids and default locations, with no format code (and so
 * no YAML parser) behind it. Commands import this eagerly and `./index.js` only when a run
 * really reads or writes a config file — the yaml package alone costs a one-shot run ~35 ms.
 */

/** The configuration formats ads-oauth can write, in the order help texts list them. */
export const FORMAT_IDS = Object.freeze(['yaml', 'java', 'php', 'ruby', 'perl', 'dotenv', 'appsettings', 'appconfig', 'adc'] as const);

/** One of {@link FORMAT_IDS}. */
export type FormatId = (typeof FORMAT_IDS)[number];

/**
 * Where `--config` without a path writes: `GOOGLE_ADS_CONFIGURATION_FILE_PATH` when set (every
 * client library honours it: Python, Java, PHP, Ruby, Perl), else `~/google-ads.yaml`, the Python
 * library's default. Pure: give it the environment and the home directory. A leading `~` in the
 * variable is expanded, as google-ads-python does.
 */
export function defaultConfigPath(env: Record<string, string | undefined>, homedir: string): string {
  const separator = homedir.includes('\\') && !homedir.includes('/') ? '\\' : '/';
  const home = homedir.endsWith(separator) && homedir.length > 1 ? homedir.slice(0, -1) : homedir;
  const fromEnv = env['GOOGLE_ADS_CONFIGURATION_FILE_PATH']?.trim();
  if (fromEnv) {
    if (fromEnv === '~') return home;
    if (fromEnv.startsWith('~/') || fromEnv.startsWith('~\\')) return home + separator + fromEnv.slice(2);
    return fromEnv;
  }
  return `${home}${separator}google-ads.yaml`;
}

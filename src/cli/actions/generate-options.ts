import { resolve } from 'node:path';
import { AdsOAuthError } from '../../errors.js';
import { resolveScopes } from '../../protocol/scopes.js';
import { expandHome } from '../../stores/client-secrets.js';
import { defaultConfigPath } from '../../writers/catalog.js';
import { integerArg } from '../command.js';
import type { GenerateArgs } from '../commands/generate.js';

/** What a run of generate does, from its arguments: no I/O, every usage error found here. */
export interface GenerateOptions {
  /** The client secrets file, absolute (`~` expanded). */
  clientSecretsPath: string;
  port?: number;
  timeoutSeconds: number;
  scopes: string[];
  loginHint?: string;
  /** Paste mode asked for: the browser is elsewhere. */
  headless: boolean;
  /** Whether a browser may be launched (`--no-open` and `--headless` say no; a display is checked later). */
  open: boolean;
  json: boolean;
  /** `--config`: the file to write, absolute, and the format named with `--format`. */
  config?: { path: string; format?: string };
  /** `--print-config FORMAT`. */
  printFormat?: string;
}

/** Where relative paths and `--config` without PATH point. */
export interface PathContext {
  cwd: string;
  homedir: string;
  env: Record<string, string | undefined>;
}

/**
 * Turns generate's parsed arguments into {@link GenerateOptions}. Pure: paths are resolved
 * against `where`, nothing is read.
 *
 * @throws AdsOAuthError `USAGE` for a bad number, `--format` without `--config`, bad scopes
 */
export function parseGenerateOptions(args: GenerateArgs, where: PathContext): GenerateOptions {
  const path = (p: string): string => resolve(where.cwd, expandHome(p, where.homedir));
  const port = integerArg(args.port, 'port', 1, 65535);
  const timeoutSeconds = integerArg(args.timeout, 'timeout', 1, 86_400) ?? 300;
  const scopes = resolveScopes({ scopes: args.scopes, additional: args.additionalScopes });
  if (args.format !== undefined && args.config === undefined) {
    throw new AdsOAuthError('USAGE', '--format goes with --config (for --print-config, name the format there).');
  }
  const config =
    args.config === undefined
      ? undefined
      : {
          path: typeof args.config === 'string' ? path(args.config) : defaultConfigPath(where.env, where.homedir),
          ...(args.format !== undefined ? { format: args.format } : {}),
        };
  // parseCommand refused a missing --client_secrets_path; an empty one would name the working directory.
  if (args.clientSecretsPath.trim() === '') {
    throw new AdsOAuthError(
      'USAGE',
      '--client_secrets_path has an empty value: give the path of the OAuth client JSON from the Google Cloud console.',
    );
  }
  return {
    clientSecretsPath: path(args.clientSecretsPath),
    ...(port !== undefined ? { port } : {}),
    timeoutSeconds,
    scopes,
    ...(args.loginHint ? { loginHint: args.loginHint } : {}),
    headless: args.headless,
    open: !args.noOpen && !args.headless,
    json: args.json,
    ...(config ? { config } : {}),
    ...(args.printConfig !== undefined ? { printFormat: args.printConfig } : {}),
  };
}

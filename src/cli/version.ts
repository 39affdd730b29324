import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Set by scripts/bundle-cli.mjs (esbuild `define`) to package.json's version in the bundled bins;
// undefined (never declared at run time) in tsc's dist/ and under tsx.
declare const ADS_OAUTH_BUNDLED_VERSION: string | undefined;

/**
 * The package version: in a bundled bin, the one written into it at build time (no file read);
 * else from the nearest package.json named ads-oauth above this module: dist/cli/ or src/cli/
 * under tsx both find the package's own.
 */
export function version(): string {
  if (typeof ADS_OAUTH_BUNDLED_VERSION === 'string') return ADS_OAUTH_BUNDLED_VERSION;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ads-oauth' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: one level up
    }
  }
  return 'unknown';
}

// Injected by scripts/bundle-cli.mjs into the CommonJS bundles, where `import.meta` does not exist:
// `import.meta.url` of bundled code is the bundle file's URL, as it was in the ESM bundle.
import { pathToFileURL } from 'node:url';

// eslint-disable-next-line no-undef -- CommonJS's own, in the bundle this file is injected into
export const importMetaUrl = pathToFileURL(__filename).href;

// Shared by the adversarial campaign suites (issue 10): the scale they run at, and where their
// figures go.
//
// - The default test run (`npm test`) runs every campaign suite at reduced counts.
// - `npm run test:campaign` sets ADS_OAUTH_CAMPAIGN=full for the published counts and
//   ADS_OAUTH_CAMPAIGN_FIGURES to a folder; each suite writes its figures there as JSON, and
//   scripts/campaign.mjs puts them into SECURITY.md. No figure is ever typed by hand.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FULL = process.env['ADS_OAUTH_CAMPAIGN'] === 'full';

/** `quick` in the default test run, `full` under `npm run test:campaign`. */
export function count(quick: number, full: number): number {
  return FULL ? full : quick;
}

/** Records one suite's figures (only when the campaign script asked for them). */
export function recordFigures(suite: string, figures: Record<string, unknown>): void {
  const dir = process.env['ADS_OAUTH_CAMPAIGN_FIGURES'];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${suite}.json`),
    `${JSON.stringify({ suite, scale: FULL ? 'full' : 'quick', at: new Date().toISOString(), ...figures }, null, 2)}\n`,
  );
}

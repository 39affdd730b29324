// A tiny program run through the CLI's real `runMain` (the process, its pipes and exit code), for
// test/unit/cli-process.test.ts. argv[2] picks what the "command" does; the rest is its argv.
import { AdsOAuthError } from '../../src/errors.js';
import { runMain } from '../../src/cli/context.js';

const mode = process.argv[2];
await runMain(process.argv.slice(3), async (_args, ctx) => {
  switch (mode) {
    case 'late-token':
      // A flow that takes a while, then prints its result (the reader may be gone by then).
      await new Promise((resolve) => setTimeout(resolve, 300));
      ctx.out('Your refresh token is: 1//fixture-token');
      return 0;
    case 'fail':
      throw new AdsOAuthError('TIMEOUT', 'No answer from the browser in time.');
    case 'fail-with-hints':
      throw new AdsOAuthError('NETWORK', 'Cannot reach the token endpoint.', { hints: ['network', 'timeout'] });
    case 'crash':
      throw new TypeError('boom');
    case 'print-then-fail':
      ctx.out('{"partial":true}');
      throw new AdsOAuthError('CONFIG_WRITE', 'Cannot write the file.');
    default:
      return 0;
  }
});

// `npm run dead-letters -- list | show ID | replay ID | replay --all`: lists, shows and replays the
// events listeners dead-lettered, on the NATS server named by NATS_URL (by default the one
// `npm start` runs). The commands are common/src/events/dead-letters-cli.ts, run from their
// TypeScript sources through @swc-node/register, as `npm start` runs the stack.
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './prerequisites.mjs';

process.env.SWC_NODE_PROJECT = path.join(repoRoot, 'common/tsconfig.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { runDeadLettersCli, DEFAULT_DEAD_LETTERS_NATS_URL } = require(
  path.join(repoRoot, 'common/src/events/dead-letters-cli.ts'),
);

process.exitCode = await runDeadLettersCli(
  process.argv.slice(2),
  process.env.NATS_URL || DEFAULT_DEAD_LETTERS_NATS_URL,
  {
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  },
);

// `npm run bench`: runs bench.ts from its TypeScript source, compiled as the local stack it starts is
// (CommonJS, @ticketing/* resolved to their sources), without a build step.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.SWC_NODE_PROJECT = path.resolve(here, '../../local/stack/tsconfig.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
require('./bench.ts');

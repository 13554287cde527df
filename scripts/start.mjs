// `npm start` (and `npm run dev`, which adds --dev): installs whatever is missing, then runs the
// one-machine stack in the foreground until Ctrl-C or SIGTERM (arguments and settings: see
// local/stack/src/cli.ts, which also builds the services when their build is stale; the stack
// builds the web client's).
// The launcher runs in this process from its TypeScript sources through @swc-node/register:
// it starts in about a second, there is no build output that could be stale, and there is
// no extra process in between to pass signals on.
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensurePrerequisites, repoRoot } from './prerequisites.mjs';

// A server given by URL is not started here, so its binary is not needed either.
const needs = [];
if (!process.env.NATS_URL) needs.push('nats-server');
if (!process.env.REDIS_URL) needs.push('redis-server');
ensurePrerequisites({ needs });

// The stack's tsconfig maps @ticketing/* to their sources (see its baseUrl).
process.env.SWC_NODE_PROJECT = path.join(repoRoot, 'local/stack/tsconfig.json');
const require = createRequire(import.meta.url);
require('@swc-node/register');
require(path.join(repoRoot, 'local/stack/src/cli.ts'));

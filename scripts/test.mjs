// `npm test`: installs whatever is missing, runs every workspace's jest suite in one run
// and ends with the line `N passed, N failed` summed over all suites.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePrerequisites, repoRoot } from './prerequisites.mjs';

// curl and jq: a test runs the README's walkthrough, as a reader would. chromium: the client's
// browser tests drive it, unless CHROMIUM_PATH names another Chromium or Chrome to drive.
const needs = ['nats-server', 'redis-server', 'curl', 'jq'];
if (!process.env.CHROMIUM_PATH) needs.push('chromium');
// A suite's own needs: `--needs dockerd,mmdebstrap` (the images suite), before jest's arguments.
const jestArgs = process.argv.slice(2);
if (jestArgs[0] === '--needs') needs.push(...jestArgs.splice(0, 2)[1].split(','));
ensurePrerequisites({ needs });

const outDir = mkdtempSync(path.join(tmpdir(), 'ticketing-jest-'));
const outputFile = path.join(outDir, 'results.json');
const jest = spawnSync(
  process.execPath,
  [path.join(repoRoot, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${outputFile}`, ...jestArgs],
  { cwd: repoRoot, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(readFileSync(outputFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
} catch {
  failed += 1;
  console.error('jest produced no results (see its output above)');
}
rmSync(outDir, { recursive: true, force: true });

console.log(`${passed} passed, ${failed} failed`);
process.exit(jest.status === 0 && failed === 0 ? 0 : 1);

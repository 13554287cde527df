// CI runs `bash .ci/run`; it must run the same test command a developer runs (`npm test`),
// from the repository root, and fail when the tests fail.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

/**
 * Runs .ci/run with a stand-in `npm` first on PATH that records its arguments, prints the test
 * runner's closing line for `npm test`, and exits with `exitCode`.
 */
function runCiWithFakeNpm(exitCode: number): { status: number | null; npmCalls: string[]; lastLine: string } {
  const binDir = mkdtempSync(path.join(tmpdir(), 'ticketing-ci-run-'));
  try {
    const callsFile = path.join(binDir, 'calls');
    writeFileSync(callsFile, '');
    const summary = exitCode === 0 ? '3 passed, 0 failed' : '2 passed, 1 failed';
    writeFileSync(
      path.join(binDir, 'npm'),
      `#!/bin/sh\necho "$(pwd) npm $*" >> '${callsFile}'\n[ "$1" = test ] || [ "$3" = test:faults ] || [ "$3" = test:images ] && echo '${summary}'\nexit ${exitCode}\n`,
    );
    chmodSync(path.join(binDir, 'npm'), 0o755);
    const result = spawnSync('bash', [path.join(repoRoot, '.ci/run')], {
      cwd: tmpdir(),
      env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
    });
    const lines = result.stdout.trim().split('\n');
    return {
      status: result.status,
      npmCalls: readFileSync(callsFile, 'utf8').trim().split('\n'),
      lastLine: lines[lines.length - 1],
    };
  } finally {
    rmSync(binDir, { recursive: true, force: true });
  }
}

test('.ci/run runs `npm test`, the fault suite, the images suite, typecheck and lint from the repository root and sums them up last', () => {
  const { status, npmCalls, lastLine } = runCiWithFakeNpm(0);
  expect(status).toBe(0);
  expect(npmCalls).toEqual([
    `${repoRoot} npm test`,
    `${repoRoot} npm run --silent test:faults`,
    `${repoRoot} npm run --silent test:images`,
    `${repoRoot} npm run --silent typecheck`,
    `${repoRoot} npm run --silent lint`,
  ]);
  expect(lastLine).toBe('11 passed, 0 failed');
});

test('.ci/run fails, and says so in its last line, when the tests and checks fail', () => {
  const { status, lastLine } = runCiWithFakeNpm(1);
  expect(status).not.toBe(0);
  expect(lastLine).toBe('6 passed, 5 failed');
});

test('`npm test` is the test runner that prints the closing `N passed, N failed` line', () => {
  const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  expect(scripts.test).toBe('node scripts/test.mjs');
});

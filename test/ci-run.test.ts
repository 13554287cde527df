// CI runs `bash .ci/run`; it must run the same test command a developer runs (`npm test`),
// from the repository root, and fail when the tests fail.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

/** Runs .ci/run with a stand-in `npm` first on PATH that records its arguments and exits with `exitCode`. */
function runCiWithFakeNpm(exitCode: number): { status: number | null; npmCalls: string[] } {
  const binDir = mkdtempSync(path.join(tmpdir(), 'ticketing-ci-run-'));
  try {
    const callsFile = path.join(binDir, 'calls');
    writeFileSync(callsFile, '');
    writeFileSync(path.join(binDir, 'npm'), `#!/bin/sh\necho "$(pwd) npm $*" >> '${callsFile}'\nexit ${exitCode}\n`);
    chmodSync(path.join(binDir, 'npm'), 0o755);
    const result = spawnSync('bash', [path.join(repoRoot, '.ci/run')], {
      cwd: tmpdir(),
      env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
    });
    return { status: result.status, npmCalls: readFileSync(callsFile, 'utf8').trim().split('\n') };
  } finally {
    rmSync(binDir, { recursive: true, force: true });
  }
}

test('.ci/run runs `npm test` from the repository root', () => {
  const { status, npmCalls } = runCiWithFakeNpm(0);
  expect(status).toBe(0);
  expect(npmCalls).toEqual([`${repoRoot} npm test`]);
});

test('.ci/run fails when the tests fail', () => {
  expect(runCiWithFakeNpm(1).status).not.toBe(0);
});

test('`npm test` is the test runner that prints the closing `N passed, N failed` line', () => {
  const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  expect(scripts.test).toBe('node scripts/test.mjs');
});

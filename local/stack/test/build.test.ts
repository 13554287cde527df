import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { staleBuilds } from '../src/build';
import { makeTempDir, removeDir } from './helpers';

let root: string;

/** Writes `file` under the fake repository with the given modification time (seconds ago). */
function file(relativePath: string, secondsAgo: number): void {
  const full = path.join(root, relativePath);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, '');
  const time = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(full, time, time);
}

/** A repository where every workspace was built 10 s after its sources last changed. */
function builtRepository(): void {
  file('tsconfig.base.json', 100);
  file('common/package.json', 100);
  file('common/tsconfig.build.json', 100);
  file('common/src/index.ts', 50);
  file('common/dist/index.js', 40);
  for (const service of ['auth', 'tickets', 'orders', 'payments', 'expiration']) {
    file(`${service}/package.json`, 100);
    file(`${service}/tsconfig.build.json`, 100);
    file(`${service}/src/main.ts`, 50);
    file(`${service}/src/routes/show.ts`, 50);
    file(`${service}/dist/main.js`, 40);
  }
}

beforeEach(async () => {
  root = await makeTempDir();
  builtRepository();
});

afterEach(() => removeDir(root));

test('nothing is stale right after a build', () => {
  expect(staleBuilds(root)).toEqual([]);
});

test('a missing build is stale', async () => {
  await removeDir(path.join(root, 'orders/dist'));
  expect(staleBuilds(root)).toEqual(['orders']);
});

test('a source changed after the build makes its workspace stale, a test does not', () => {
  file('tickets/src/routes/show.ts', 5);
  file('auth/src/routes/show.test.ts', 5);
  expect(staleBuilds(root)).toEqual(['tickets']);
});

test('a change to the shared compiler settings makes every build stale', () => {
  file('tsconfig.base.json', 5);
  expect(staleBuilds(root)).toEqual(['common', 'auth', 'tickets', 'orders', 'payments', 'expiration']);
});

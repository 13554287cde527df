import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientBuildIsStale, staleBuilds } from '../src/build';
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

/** A repository where every workspace and the client were built 10 s after their sources last changed. */
function builtRepository(): void {
  file('tsconfig.base.json', 100);
  for (const workspace of ['local/mongo', 'common']) {
    file(`${workspace}/package.json`, 100);
    file(`${workspace}/tsconfig.build.json`, 100);
    file(`${workspace}/src/index.ts`, 50);
    file(`${workspace}/dist/index.js`, 40);
  }
  for (const service of ['auth', 'tickets', 'orders', 'payments', 'expiration', 'notifications']) {
    file(`${service}/package.json`, 100);
    file(`${service}/tsconfig.build.json`, 100);
    file(`${service}/src/main.ts`, 50);
    file(`${service}/src/routes/show.ts`, 50);
    file(`${service}/dist/main.js`, 40);
  }
  for (const setting of ['package.json', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json']) {
    file(`client/${setting}`, 100);
  }
  file('client/src/app/page.tsx', 50);
  file('client/src/app/globals.css', 50);
  file('client/.next/BUILD_ID', 40);
}

beforeEach(async () => {
  root = await makeTempDir();
  builtRepository();
});

afterEach(() => removeDir(root));

test('nothing is stale right after a build', () => {
  expect(staleBuilds(root)).toEqual([]);
  expect(clientBuildIsStale(root)).toBe(false);
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
  expect(staleBuilds(root)).toEqual([
    'local/mongo',
    'common',
    'auth',
    'tickets',
    'orders',
    'payments',
    'expiration',
    'notifications',
  ]);
  expect(clientBuildIsStale(root)).toBe(true);
});

test('the client without a finished build is stale', async () => {
  await removeDir(path.join(root, 'client/.next'));
  expect(clientBuildIsStale(root)).toBe(true);
});

test.each(['src/app/globals.css', 'src/app/tickets/new/page.tsx', 'next.config.ts', 'package.json', 'tsconfig.json'])(
  'the client is stale once %s is newer than its build, and the services are not',
  (changed) => {
    file(`client/${changed}`, 5);
    expect(clientBuildIsStale(root)).toBe(true);
    expect(staleBuilds(root)).toEqual([]);
  },
);

test('a change outside what goes into the client build leaves it fresh', () => {
  file('client/README.md', 5);
  file('client/test/home.spec.ts', 5);
  file('tickets/src/routes/show.ts', 5);
  expect(clientBuildIsStale(root)).toBe(false);
});

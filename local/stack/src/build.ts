import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, SERVICE_NAMES } from './services';

/**
 * What `node <service>/dist/main.js` needs built, in build order: the embedded MongoDB engine
 * (common's test helpers are compiled against its types), common, then the service itself.
 */
const SERVICE_BUILDS = [
  { workspace: 'local/mongo', output: 'dist/index.js' },
  { workspace: 'common', output: 'dist/index.js' },
  ...SERVICE_NAMES.map((name) => ({ workspace: name, output: 'dist/main.js' })),
];

/** Written by `next build` once it has succeeded (it deletes the old one first). */
const CLIENT_BUILD_ID = '.next/BUILD_ID';
/** The client's files besides src/ that go into its build. */
const CLIENT_BUILD_SETTINGS = ['package.json', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json'];

/**
 * The workspaces whose build is missing or older than their sources. tsc rewrites every output
 * file on each build, so the build's entry file carries the time of the last build; it is stale
 * when any file that goes into the build (src/ without tests, package.json, the tsconfigs) was
 * modified after it. Edits, checkouts and pulls all update modification times.
 */
export function staleBuilds(root = repoRoot): string[] {
  return SERVICE_BUILDS.filter(({ workspace, output }) => {
    const dir = path.join(root, workspace);
    return isStale(path.join(dir, output), [
      path.join(root, 'tsconfig.base.json'),
      path.join(dir, 'package.json'),
      path.join(dir, 'tsconfig.build.json'),
      ...filesBelow(path.join(dir, 'src')).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts')),
    ]);
  }).map(({ workspace }) => workspace);
}

/**
 * Whether the web client's production build is missing or older than its sources, by the same
 * rule as the services': any file under src/, or a setting of the build, modified after the
 * build's BUILD_ID was written.
 */
export function clientBuildIsStale(root = repoRoot): boolean {
  const dir = path.join(root, 'client');
  return isStale(path.join(dir, CLIENT_BUILD_ID), [
    path.join(root, 'tsconfig.base.json'),
    ...CLIENT_BUILD_SETTINGS.map((file) => path.join(dir, file)),
    ...filesBelow(path.join(dir, 'src')),
  ]);
}

/** Whether `output` is missing or any of `inputs` (those that exist) was modified after it. */
function isStale(output: string, inputs: string[]): boolean {
  const builtAt = modifiedAt(output);
  if (builtAt === undefined) return true;
  return inputs.some((file) => (modifiedAt(file) ?? 0) > builtAt);
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Every file below `dir` (none if it does not exist). */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => path.join(dir, entry))
    .filter((entry) => statSync(entry, { throwIfNoEntry: false })?.isFile());
}

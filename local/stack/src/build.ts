import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, SERVICE_NAMES } from './services';

/** What `node <service>/dist/main.js` loads from dist/: the service's own build and common's. */
const RUNTIME_BUILDS = [
  { workspace: 'common', output: 'dist/index.js' },
  ...SERVICE_NAMES.map((name) => ({ workspace: name, output: 'dist/main.js' })),
];

/**
 * The workspaces whose build is missing or older than their sources. tsc rewrites every output
 * file on each build, so the build's entry file carries the time of the last build; it is stale
 * when any file that goes into the build (src/ without tests, package.json, the tsconfigs) was
 * modified after it. Edits, checkouts and pulls all update modification times.
 */
export function staleBuilds(root = repoRoot): string[] {
  const sharedInputs = [path.join(root, 'tsconfig.base.json')];
  return RUNTIME_BUILDS.filter(({ workspace, output }) => {
    const dir = path.join(root, workspace);
    const builtAt = modifiedAt(path.join(dir, output));
    if (builtAt === undefined) return true;
    const inputs = [
      ...sharedInputs,
      path.join(dir, 'package.json'),
      path.join(dir, 'tsconfig.build.json'),
      ...sourceFiles(path.join(dir, 'src')),
    ];
    return inputs.some((file) => (modifiedAt(file) ?? 0) > builtAt);
  }).map(({ workspace }) => workspace);
}

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(dir, file));
}

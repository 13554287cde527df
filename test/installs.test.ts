// How the repository installs. `npm start` and `npm test` install with `npm ci` from
// package-lock.json, so the lock must carry every platform's native binaries (Linux, macOS and
// Windows machines run it). The services' images install their production dependencies only, so
// those must be exactly what their code imports, free of test tooling, and run on the Node.js
// versions we use: 20.19+ on our machines, 24 LTS in the images.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..');

interface PackageJson {
  name: string;
  engines?: Record<string, string>;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface LockEntry {
  name?: string;
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  engines?: Record<string, string> | string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Platform {
  os: string;
  cpu: string;
  /** Linux only: the C library, as npm's --libc names it. */
  libc?: string;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as T;
}

const rootPackage = readJson<PackageJson>('package.json');
const lock = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json');
const workspaces = rootPackage.workspaces ?? [];
/** What is deployed: every workspace but the shared library and the local stand-ins. */
const services = workspaces.filter((workspace) => workspace !== 'common' && !workspace.startsWith('local/'));

/** The machines `npm ci` has to work on: Linux (CI and the images, glibc), macOS and Windows. */
const platforms: Record<string, Platform> = {
  'linux x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'darwin arm64': { os: 'darwin', cpu: 'arm64' },
  'win32 x64': { os: 'win32', cpu: 'x64' },
};

function lockEntry(key: string): LockEntry {
  const entry = lock.packages[key];
  if (!entry) throw new Error(`package-lock.json has no entry ${key}`);
  return entry;
}

/** A package's name, from its lock key (node_modules/a/node_modules/@b/c is @b/c). */
function nameOf(key: string): string {
  const marker = 'node_modules/';
  const at = key.lastIndexOf(marker);
  return lockEntry(key).name ?? (at < 0 ? key : key.slice(at + marker.length));
}

/**
 * The lock key of the package `name` as Node.js finds it from the package at `from`: in the nearest
 * node_modules up the tree. A workspace's link leads to the workspace's own entry.
 */
function resolveInLock(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    if (path.posix.basename(dir) !== 'node_modules') {
      const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      const entry = lock.packages[key];
      if (entry?.link) {
        if (entry.resolved === undefined) throw new Error(`package-lock.json: link ${key} leads nowhere`);
        return entry.resolved;
      }
      if (entry) return key;
    }
    if (dir === '') return undefined;
    const parent = path.posix.dirname(dir);
    dir = parent === '.' ? '' : parent;
  }
}

/** npm's os/cpu/libc matching: an absent list accepts everything, `!x` excludes x. */
function listAccepts(list: string[] | undefined, value: string | undefined): boolean {
  if (list === undefined || list.length === 0) return true;
  if (value === undefined) return false;
  if (list.includes(`!${value}`)) return false;
  const allowed = list.filter((item) => !item.startsWith('!'));
  return allowed.length === 0 || allowed.includes(value) || allowed.includes('any');
}

function installsOn(entry: LockEntry, platform: Platform): boolean {
  return (
    listAccepts(entry.os, platform.os) &&
    listAccepts(entry.cpu, platform.cpu) &&
    listAccepts(entry.libc, platform.os === 'linux' ? platform.libc : undefined)
  );
}

function isPlatformBound(entry: LockEntry): boolean {
  return entry.os !== undefined || entry.cpu !== undefined || entry.libc !== undefined;
}

/**
 * The packages that pick a native binary per platform (@swc/core, next, lightningcss…): those,
 * themselves installed everywhere, with optional dependencies of which some are bound to a platform.
 */
function platformDependentPackages(): { key: string; binaries: string[] }[] {
  return Object.entries(lock.packages).flatMap(([key, entry]) => {
    if (isPlatformBound(entry) || entry.link) return [];
    const binaries = Object.keys(entry.optionalDependencies ?? {}).filter((name) => {
      const found = resolveInLock(key, name);
      return found !== undefined && isPlatformBound(lockEntry(found));
    });
    return binaries.length > 0 ? [{ key, binaries }] : [];
  });
}

/**
 * Every package `npm ci --omit=dev` installs for a workspace, as lock keys: its dependencies, theirs
 * and so on, with required peers and optional dependencies (every platform's), never devDependencies.
 */
function productionClosure(workspace: string): Set<string> {
  const closure = new Set<string>([workspace]);
  const queue = [workspace];
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    const entry = lockEntry(key);
    const peers = Object.keys(entry.peerDependencies ?? {}).filter(
      (name) => entry.peerDependenciesMeta?.[name]?.optional !== true,
    );
    const edges = [
      ...[...Object.keys(entry.dependencies ?? {}), ...peers].map((name) => ({ name, optional: false })),
      ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ];
    for (const edge of edges) {
      const found = resolveInLock(key, edge.name);
      if (found === undefined) {
        // npm itself does not notice a required package missing from the lock: it installs without it.
        if (!edge.optional) throw new Error(`${key} needs ${edge.name}, which package-lock.json does not record`);
        continue;
      }
      if (!closure.has(found)) {
        closure.add(found);
        queue.push(found);
      }
    }
  }
  return closure;
}

describe('package-lock.json and `npm ci` on every platform', () => {
  const dependents = platformDependentPackages();

  test('the packages with native binaries are found in the lock', () => {
    // Guards the derivation below: were it to find nothing, the checks after it would pass vacuously.
    expect(dependents.map(({ key }) => nameOf(key))).toEqual(
      expect.arrayContaining([
        '@swc/core',
        'next',
        '@node-rs/argon2',
        'lightningcss',
        '@tailwindcss/oxide',
        'msgpackr-extract',
      ]),
    );
  });

  test('every binary a package lists is recorded, so `npm ci` installs it on any platform', () => {
    const unrecorded = platformDependentPackages().flatMap(({ key }) =>
      Object.keys(lockEntry(key).optionalDependencies ?? {})
        .filter((name) => resolveInLock(key, name) === undefined)
        .map((name) => `${nameOf(key)} -> ${name}`),
    );
    expect(unrecorded).toEqual([]);
  });

  test.each(Object.keys(platforms))('every package with native binaries has one for %s', (platformName) => {
    const platform = platforms[platformName];
    const without = dependents
      .filter(({ key, binaries }) =>
        binaries.every((name) => {
          const found = resolveInLock(key, name);
          return found === undefined || !installsOn(lockEntry(found), platform);
        }),
      )
      .map(({ key }) => `${nameOf(key)}@${lockEntry(key).version}`);
    expect(without).toEqual([]);
  });

  /** The install command scripts/prerequisites.mjs runs for `npm start` and `npm test`. */
  function prerequisitesInstallCommand(): [string, string[]] {
    const script = pathToFileURL(path.join(repoRoot, 'scripts/prerequisites.mjs')).href;
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { installCommand } from ${JSON.stringify(script)}; process.stdout.write(JSON.stringify(installCommand));`,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`importing scripts/prerequisites.mjs failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as [string, string[]];
  }

  test('`npm start` and `npm test` install with `npm ci`, which installs the lock as it is and never rewrites it', () => {
    const [command, args] = prerequisitesInstallCommand();
    expect([command, args[0]]).toEqual(['npm', 'ci']);
  });

  describe('npm ci, as a dry run on a copy of the manifests and the lock', () => {
    let copy: string;

    beforeAll(() => {
      copy = mkdtempSync(path.join(tmpdir(), 'ticketing-installs-'));
      for (const file of [
        'package.json',
        'package-lock.json',
        '.npmrc',
        ...workspaces.map((w) => `${w}/package.json`),
      ]) {
        mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        copyFileSync(path.join(repoRoot, file), path.join(copy, file));
      }
    });

    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    test.each(Object.keys(platforms))(
      'accepts the lock on %s and installs a native binary for every package that needs one',
      (platformName) => {
        const platform = platforms[platformName];
        const [command, args] = prerequisitesInstallCommand();
        // A clean environment: the npm_* variables of an enclosing `npm test` describe this repository.
        const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
        const result = spawnSync(
          command,
          [
            ...args,
            '--dry-run',
            '--ignore-scripts',
            `--os=${platform.os}`,
            `--cpu=${platform.cpu}`,
            ...(platform.libc ? [`--libc=${platform.libc}`] : []),
          ],
          { cwd: copy, env, encoding: 'utf8', timeout: 60_000 },
        );
        expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
          status: 0,
          stderr: '',
        });
        const added = new Set(
          result.stdout.split('\n').flatMap((line) => {
            const match = /^add (\S+) \S+$/.exec(line);
            return match ? [match[1]] : [];
          }),
        );
        const without = dependents
          .filter(({ binaries }) => !binaries.some((name) => added.has(name)))
          .map(({ key }) => nameOf(key));
        expect(without).toEqual([]);
      },
    );
  });
});

/** A workspace's production sources, as its tsconfig.build.json compiles them, and the aliases it maps. */
function productionSources(workspace: string): { files: string[]; aliases: string[] } {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, workspace, 'tsconfig.build.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`${workspace}/tsconfig.build.json cannot be read`);
  return {
    files: parsed.fileNames.filter((file) => !/\.test\.tsx?$/.test(file) && !file.endsWith('.d.ts')),
    aliases: Object.keys(parsed.options.paths ?? {}),
  };
}

/** The module specifiers a file imports, exports from, requires or imports dynamically. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((imported) => imported.fileName);
}

/** The npm package a specifier names; undefined for relative paths, Node.js built-ins and tsconfig aliases. */
function packageOf(specifier: string, aliases: string[]): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const aliased = aliases.some((alias) =>
    alias.endsWith('*') ? specifier.startsWith(alias.slice(0, -1)) : specifier === alias,
  );
  if (aliased) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('production dependencies', () => {
  const commonTesting = path.join(repoRoot, 'common/src/testing');

  function sourcesOf(workspace: string): { files: string[]; aliases: string[] } {
    const sources = productionSources(workspace);
    if (workspace !== 'common') return sources;
    // The testing entry (@ticketing/common/testing) ships in the package but only tests load it.
    return { ...sources, files: sources.files.filter((file) => !file.startsWith(commonTesting + path.sep)) };
  }

  test.each([...services, 'common'])(
    '%s: every package its production sources import is one of its dependencies',
    (workspace) => {
      const { files, aliases } = sourcesOf(workspace);
      const declared = Object.keys(readJson<PackageJson>(`${workspace}/package.json`).dependencies ?? {});
      const imported = new Set<string>();
      const undeclared: string[] = [];
      for (const file of files) {
        for (const specifier of importsOf(file)) {
          const name = packageOf(specifier, aliases);
          if (name === undefined) continue;
          imported.add(name);
          if (!declared.includes(name)) undeclared.push(`${path.relative(repoRoot, file)}: ${specifier}`);
        }
      }
      expect(files.length).toBeGreaterThan(0);
      expect(imported.size).toBeGreaterThan(0);
      expect(undeclared).toEqual([]);
    },
  );

  test.each([...services, 'common'])('%s: production sources never load the testing entry of common', (workspace) => {
    const { files } = sourcesOf(workspace);
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter(
          (specifier) =>
            specifier === '@ticketing/common/testing' ||
            (specifier.startsWith('.') && path.resolve(path.dirname(file), specifier).startsWith(commonTesting)),
        )
        .map((specifier) => `${path.relative(repoRoot, file)}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  test('the testing entry of common imports only packages common declares', () => {
    const common = readJson<PackageJson>('common/package.json');
    const declared = [...Object.keys(common.dependencies ?? {}), ...Object.keys(common.devDependencies ?? {})];
    const { aliases } = productionSources('common');
    // Listed from the folder: whether common's build compiles the testing entry is the build's business.
    const testingFiles = readdirSync(commonTesting, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => path.join(commonTesting, file));
    const undeclared = testingFiles.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          const name = packageOf(specifier, aliases);
          return name !== undefined && !declared.includes(name);
        })
        .map((specifier) => `${path.relative(repoRoot, file)}: ${specifier}`),
    );
    expect(testingFiles.length).toBeGreaterThan(0);
    expect(undeclared).toEqual([]);
  });

  const testTooling =
    /^(@ticketing\/(embedded-mongo|fake-stripe)|mongodb-memory-server.*|jest|@jest\/.+|typescript|supertest|@swc\/(core|jest).*)$/;

  test.each([...services, 'common'])('%s: the production install carries no test tooling', (workspace) => {
    const closure = [...productionClosure(workspace)];
    expect(closure.length).toBeGreaterThan(1);
    expect(closure.map(nameOf).filter((name) => testTooling.test(name))).toEqual([]);
    // npm's own account agrees: nothing it installs only for development is in there.
    expect(closure.filter((key) => lockEntry(key).dev === true)).toEqual([]);
  });
});

describe('Node.js versions', () => {
  /** Our machines' oldest Node.js, and the first Node.js 24 LTS release, which the images run. */
  const machines = '20.19.0';
  const images = '24.11.0';

  /**
   * Production packages whose `engines` exclude a version we run, with the range they declare.
   * @nats-io/nuid 3.0.0 (pinned by @nats-io/nats-core 3.4.0) declares Node.js 22 or later, yet the
   * services run and pass their tests on Node.js 20; npm only warns (EBADENGINE). A new release
   * declaring another range shows up here to be looked at again.
   */
  const knownExclusions: Record<string, string> = { '@nats-io/nuid': '>= 22.x' };

  /**
   * Production packages installed but never loaded by a service, with the range they declare:
   * nopt 10 and its abbrev 5 are js-beautify's command-line parser (js-beautify/js/lib/cli.js),
   * which comes with mjml (notifications); mjml calls js-beautify's library, which never requires
   * them. Whatever Node.js they ask for, no service runs them.
   */
  const neverLoaded: Record<string, string> = {
    nopt: '^22.22.2 || ^24.15.0 || >=26.0.0',
    abbrev: '^22.22.2 || ^24.15.0 || >=26.0.0',
  };

  test('the packages counted as never loaded stay unloaded while notifications renders an email with mjml', () => {
    const script = `
      const mjml = require('mjml');
      Promise.resolve(mjml('<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>'))
        .then((result) => {
          if (!result.html.includes('Hi')) throw new Error('mjml rendered nothing');
          console.log(JSON.stringify(Object.keys(require.cache)));
        });`;
    const result = spawnSync(process.execPath, ['-e', script], {
      cwd: path.join(repoRoot, 'notifications'),
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout) as string[];
    expect(loaded.some((file) => file.includes(`${path.sep}mjml-core${path.sep}`))).toBe(true);
    for (const name of Object.keys(neverLoaded)) {
      expect({
        [name]: loaded.filter((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)),
      }).toEqual({
        [name]: [],
      });
    }
  });

  test('the repository asks for Node.js 20.19 or later, and so does every workspace that says', () => {
    expect(rootPackage.engines?.node).toBe('>=20.19');
    for (const workspace of workspaces) {
      const engines = readJson<PackageJson>(`${workspace}/package.json`).engines;
      if (engines?.node !== undefined) expect([workspace, engines.node]).toEqual([workspace, '>=20.19']);
    }
  });

  test.each([...services, 'common'])(
    `%s: every production dependency supports Node.js ${images}, and ${machines} unless known`,
    (workspace) => {
      const installed = [...productionClosure(workspace)].filter((key) =>
        Object.values(platforms).some((platform) => installsOn(lockEntry(key), platform)),
      );
      const excluding = installed.flatMap((key) => {
        const engines = lockEntry(key).engines;
        const range = engines === undefined || Array.isArray(engines) ? undefined : engines.node;
        if (range === undefined) return [];
        const name = nameOf(key);
        if (neverLoaded[name] === range) return [];
        const machinesOk = semver.satisfies(machines, range) || knownExclusions[name] === range;
        return semver.satisfies(images, range) && machinesOk ? [] : [`${name}@${lockEntry(key).version}: ${range}`];
      });
      expect(installed.length).toBeGreaterThan(1);
      expect(excluding).toEqual([]);
    },
  );
});

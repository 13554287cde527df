// What `npm test` and `npm start` need before they can run, installed when missing:
// npm dependencies (npm ci) and, as root on Debian, the binaries asked for from apt
// (nats-server and redis-server; the tests also run the README's curl and jq commands and drive
// Debian's chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const debianPackageOf = {
  'nats-server': 'nats-server',
  'redis-server': 'redis-server',
  curl: 'curl',
  jq: 'jq',
  chromium: 'chromium',
  // The images suite: Docker's engine (and its CLI) and the tool that builds the stand-in base image.
  dockerd: 'docker.io',
  mmdebstrap: 'mmdebstrap',
};

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

function dependenciesMissing() {
  const marker = path.join(repoRoot, 'node_modules/.package-lock.json');
  if (!existsSync(marker)) return true;
  return statSync(path.join(repoRoot, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs;
}

function isDebianRoot() {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get');
}

// `npm ci`, not `npm install`: it installs exactly what package-lock.json records and never writes
// the lock (or any other tracked file), where `npm install` may rewrite it. The lock records every
// platform's optional native binaries (test/installs.test.ts checks), so this works on Linux, macOS
// and Windows; a package.json that disagrees with the lock fails here instead of being papered over.
export const installCommand = ['npm', ['ci', '--no-audit', '--no-fund']];

export function ensurePrerequisites({ needs }) {
  if (dependenciesMissing()) run(...installCommand);

  const missing = needs.filter((binary) => !onPath(binary));
  if (missing.length === 0) return;
  if (!isDebianRoot()) {
    console.error(
      `Missing ${missing.join(' and ')} on PATH. Install ${missing.map((b) => debianPackageOf[b]).join(' ')} ` +
        '(Debian/Ubuntu: apt-get install; macOS: brew install nats-server redis jq) and run again.' +
        (missing.includes('chromium')
          ? ' Instead of chromium, CHROMIUM_PATH can name a Chromium or Chrome binary.'
          : ''),
    );
    process.exit(1);
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing.map((b) => debianPackageOf[b])]);
}

// The Dockerfiles, checked offline (`npm run test:images` builds and runs them): one per deployable,
// every file they copy exists and reaches the build (not left out by .dockerignore), and the image
// they make runs as the Kubernetes manifests expect.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '../local/stack/src/services';
import { k8sDir, render, type Manifest } from './kubernetes-manifests';

const repoRoot = path.resolve(__dirname, '..');
const DEPLOYABLES = [...SERVICE_NAMES, 'client'];

interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions of a Dockerfile, comments dropped and continued lines joined. */
function instructionsOf(component: string): Instruction[] {
  const text = readFileSync(path.join(repoRoot, component, 'Dockerfile'), 'utf8');
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The instructions of the last stage: what the image runs. */
function finalStage(instructions: Instruction[]): Instruction[] {
  const lastFrom = instructions.map((instruction) => instruction.keyword).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

/** Sources of the COPY instructions that take files from the build context (not --from a stage). */
function contextSources(instructions: Instruction[]): string[] {
  return instructions
    .filter(({ keyword, args }) => keyword === 'COPY' && !args.startsWith('--from'))
    .flatMap(({ args }) =>
      args
        .split(/\s+/)
        .filter((arg) => !arg.startsWith('--'))
        .slice(0, -1),
    );
}

/** Whether .dockerignore leaves `file` out of the build context (its patterns as Docker reads them, `!` included). */
function ignoredByDockerignore(file: string): boolean {
  const patterns = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*\*/g, '.*')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}(?:/.*)?$`,
    );
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (toRegExp(negated ? pattern.slice(1) : pattern).test(file)) ignored = !negated;
  }
  return ignored;
}

describe.each(DEPLOYABLES)('%s/Dockerfile', (component) => {
  const instructions = instructionsOf(component);
  const final = finalStage(instructions);

  it('builds from files that exist and reach the build context', () => {
    const sources = contextSources(instructions);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(path.join(repoRoot, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignoredByDockerignore(source) }).toEqual({ source, ignored: false });
    }
  });

  it('installs and builds only workspaces that exist, itself among them', () => {
    const workspaces = new Set(
      JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).workspaces.map(
        (dir: string) => JSON.parse(readFileSync(path.join(repoRoot, dir, 'package.json'), 'utf8')).name,
      ),
    );
    const named = instructions.flatMap(({ args }) => [...args.matchAll(/--workspace (\S+)/g)].map((match) => match[1]));
    expect(named).toContain(`@ticketing/${component}`);
    for (const name of named) expect({ name, known: workspaces.has(name) }).toEqual({ name, known: true });
  });

  it('runs as the user node, in production mode, with node as PID 1 (exec form)', () => {
    expect(final.filter(({ keyword }) => keyword === 'USER').map(({ args }) => args)).toEqual(['node']);
    expect(final.some(({ keyword, args }) => keyword === 'ENV' && /\bNODE_ENV=production\b/.test(args))).toBe(true);
    expect(final.find(({ keyword }) => keyword === 'ENTRYPOINT')?.args).toBe('["node"]');
    expect(JSON.parse(final.find(({ keyword }) => keyword === 'CMD')!.args)).toEqual([expect.any(String)]);
  });

  it('has its runtime dependencies only: no devDependencies in the last stage', () => {
    const installs = final.filter(({ keyword, args }) => keyword === 'RUN' && /\bnpm (ci|install)\b/.test(args));
    for (const { args } of installs) expect(args).toContain('--omit=dev');
  });

  it('starts from the base image every Dockerfile shares', () => {
    const bases = instructions.filter(({ keyword }) => keyword === 'FROM').map(({ args }) => args.split(/\s+/)[0]);
    expect(new Set(bases)).toEqual(new Set(['node:24-bookworm-slim']));
  });
});

describe('the services Dockerfiles', () => {
  // One Dockerfile per deployable, as the deployment tools expect (skaffold, the workflows' matrix);
  // the five services are built alike, so their Dockerfiles differ only in the service's name.
  it.each(SERVICE_NAMES.slice(1))('%s/Dockerfile is auth/Dockerfile with its own name', (service) => {
    const auth = readFileSync(path.join(repoRoot, 'auth/Dockerfile'), 'utf8');
    const own = readFileSync(path.join(repoRoot, service, 'Dockerfile'), 'utf8');
    expect(own).toBe(auth.replace(/\bauth\b/g, service));
  });
});

describe('the images the manifests run', () => {
  it('are the deployables with a Dockerfile, and every deployable runs in Kubernetes', () => {
    const images = render(path.join(k8sDir, 'base'))
      .filter((object: Manifest) => object.kind === 'Deployment')
      .flatMap((deployment: Manifest) => deployment.spec.template.spec.containers.map((c: Manifest) => c.image))
      .sort();
    expect(images).toEqual(DEPLOYABLES.map((component) => `ticketing/${component}`).sort());
  });

  it('run from the working directory whose caches the client Deployment mounts (/app/.next/cache)', () => {
    const client = finalStage(instructionsOf('client'));
    expect(client.filter(({ keyword }) => keyword === 'WORKDIR').map(({ args }) => args)).toEqual(['/app']);
  });
});

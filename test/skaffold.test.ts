// skaffold.yaml cannot be run here (no cluster, no skaffold), so it is checked instead: against
// skaffold's published schema for its apiVersion, and against the repository it names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments, parseDocument } from 'yaml';
import { SERVICE_NAMES } from '../local/stack/src/services';

const repoRoot = path.resolve(__dirname, '..');
const SCHEMA_FILE = path.join(repoRoot, 'infra/schemas/skaffold-v4beta14.json');
const COMPONENTS = [...SERVICE_NAMES, 'client'];

interface Artifact {
  image: string;
  context?: string;
  docker?: { dockerfile?: string };
  sync?: { manual?: { src: string; dest: string }[] };
}

interface Profile {
  name: string;
  manifests?: { kustomize?: { paths?: string[] } };
  patches?: { op: string; path: string; value?: unknown }[];
}

interface SkaffoldConfig {
  apiVersion: string;
  build: { local?: { push?: boolean }; artifacts: Artifact[] };
  manifests: { kustomize: { paths: string[] } };
  profiles: Profile[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML objects are checked field by field below
type Manifest = any;

function readYaml(file: string): unknown {
  const document = parseDocument(readFileSync(path.join(repoRoot, file), 'utf8'));
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
  return document.toJS();
}

const config = readYaml('skaffold.yaml') as SkaffoldConfig;

/** A validator of skaffold's schema, strict but for the editor hints (no validation) skaffold's schema carries. */
function skaffoldValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addVocabulary(['x-intellij-html-description', 'preferredOrder']);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
}

const validate = skaffoldValidator();

/** The images the Deployments in infra/k8s/base run. */
function baseImages(): string[] {
  const dir = path.join(repoRoot, 'infra/k8s/base');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as Manifest))
    .filter((object) => object?.kind === 'Deployment')
    .flatMap((deployment) => deployment.spec.template.spec.containers.map((container: Manifest) => container.image));
}

test('skaffold.yaml validates against the schema of its apiVersion', () => {
  expect(config.apiVersion).toBe('skaffold/v4beta14');
  const valid = validate(config);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
});

test('the schema refuses what skaffold would refuse: an unknown field, a wrong type', () => {
  const misplaced = structuredClone(config) as unknown as { build: { artifacts: Record<string, unknown>[] } };
  misplaced.build.artifacts[0].dockerfile = 'auth/Dockerfile';
  expect(validate(misplaced)).toBe(false);
  const wrongType = structuredClone(config) as unknown as { build: { local: { push: unknown } } };
  wrongType.build.local.push = 'no';
  expect(validate(wrongType)).toBe(false);
});

test('builds one image per component, from the repository root with its Dockerfile, as the manifests name them', () => {
  expect(config.build.artifacts).toEqual(
    COMPONENTS.map((component) => ({
      image: `ticketing/${component}`,
      context: '.',
      docker: { dockerfile: `${component}/Dockerfile` },
    })),
  );
  expect([...baseImages()].sort()).toEqual(config.build.artifacts.map((artifact) => artifact.image).sort());
});

test('every path skaffold.yaml names exists: Dockerfiles, kustomizations and any file sync source', () => {
  const paths = [
    ...config.build.artifacts.flatMap((artifact) => [
      artifact.context ?? '.',
      path.join(artifact.context ?? '.', artifact.docker?.dockerfile ?? 'Dockerfile'),
      ...(artifact.sync?.manual ?? []).map((rule) => path.join(artifact.context ?? '.', path.dirname(rule.src))),
    ]),
    ...[config, ...config.profiles].flatMap((section) =>
      (section.manifests?.kustomize?.paths ?? []).map((dir) => path.join(dir, 'kustomization.yaml')),
    ),
  ];
  expect(paths.length).toBeGreaterThan(config.build.artifacts.length * 2);
  for (const file of paths) expect({ [file]: existsSync(path.join(repoRoot, file)) }).toEqual({ [file]: true });
});

test('deploys the dev overlay to a local cluster without a registry, and prod with its overlay, pushing', () => {
  expect(config.manifests.kustomize.paths).toEqual(['infra/k8s/overlays/dev']);
  expect(config.build.local?.push).toBe(false);
  const prod = config.profiles.find((profile) => profile.name === 'prod');
  expect(prod?.manifests?.kustomize?.paths).toEqual(['infra/k8s/overlays/prod']);
  expect(prod?.patches).toEqual([{ op: 'replace', path: '/build/local/push', value: true }]);
});

// A synced file would land in a container that runs compiled output, which never reads src/, on a
// read-only root filesystem, which refuses it: skaffold rebuilds the image instead (skaffold.yaml).
test('syncs no files into the containers, whose root filesystems are read-only', () => {
  for (const artifact of config.build.artifacts) expect({ [artifact.image]: artifact.sync }).toEqual({});
  const dir = path.join(repoRoot, 'infra/k8s/base');
  for (const component of COMPONENTS) {
    const [deployment] = parseAllDocuments(readFileSync(path.join(dir, `${component}.yaml`), 'utf8'))
      .map((document) => document.toJS() as Manifest)
      .filter((object) => object?.kind === 'Deployment');
    for (const container of deployment.spec.template.spec.containers) {
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    }
  }
});

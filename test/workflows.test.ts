// The GitHub workflows cannot run here, so their shape is checked instead: every file
// parses, each service's tests run on the pull requests that can break them, against a
// real mongod (MONGO_MEMORY_SERVER=1), and @ticketing/common is published from its tags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { SERVICE_NAMES } from '../local/stack/src/services';

const repoRoot = path.resolve(__dirname, '..');
/** What is built into an image and deployed: the services, then the web client. */
const COMPONENTS = [...SERVICE_NAMES, 'client'];
const workflowsDir = path.join(repoRoot, '.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}

interface Job {
  'runs-on'?: string;
  uses?: string;
  with?: Record<string, string>;
  needs?: string | string[];
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}

interface Workflow {
  on: Record<
    string,
    { paths?: string[]; tags?: string[]; branches?: string[]; inputs?: Record<string, unknown> } | null
  >;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

function readWorkflow(file: string): Workflow {
  const document = parseDocument(readFileSync(path.join(workflowsDir, file), 'utf8'));
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
  return document.toJS() as Workflow;
}

/** The jobs' steps, following `uses: ./.github/workflows/…` into the reusable workflow. */
function stepsOf(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) =>
    job.uses ? stepsOf(readWorkflow(path.basename(job.uses))) : (job.steps ?? []),
  );
}

/** The folders a workflow's jobs hand to the reusable test workflow. */
function testedFolders(workflow: Workflow): string[] {
  return Object.values(workflow.jobs).flatMap((job) => (job.with?.folders ?? '').split(/\s+/).filter(Boolean));
}

const workflowFiles = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));

test.each(workflowFiles)('%s parses as a workflow with triggers and jobs', (file) => {
  const workflow = readWorkflow(file);
  expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
  expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
});

test('the reusable test workflow installs the servers and runs jest against a real mongod', () => {
  const workflow = readWorkflow('test-workspace.yml');
  expect(workflow.on.workflow_call?.inputs).toHaveProperty('folders');
  const steps = stepsOf(workflow);
  expect(steps).toContainEqual(expect.objectContaining({ uses: expect.stringMatching(/^actions\/setup-node@/) }));
  const setupNode = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
  expect(String(setupNode?.with?.['node-version'])).toBe('20');
  expect(steps.map((step) => step.run ?? '')).toEqual(
    expect.arrayContaining([
      expect.stringContaining('apt-get install -y -qq nats-server redis-server'),
      // npm ci: installs the lock as it is; npm install may rewrite it.
      expect.stringMatching(/^npm ci\b/),
    ]),
  );
  const jest = steps.find((step) => step.run?.includes('npx jest'));
  expect(jest?.env?.MONGO_MEMORY_SERVER).toBe('1');
});

const folderWorkflows: [string, string, string[]][] = [
  ...COMPONENTS.map((service): [string, string, string[]] => [
    `test-${service}.yml`,
    service,
    [`${service}/**`, 'common/**', 'local/**'],
  ]),
  ['test-common.yml', 'common', ['common/**', 'local/**']],
  ['test-local.yml', 'local', ['local/**']],
];

test.each(folderWorkflows)('%s runs the %s tests on pull requests that touch it', (file, folder, paths) => {
  const workflow = readWorkflow(file);
  expect(workflow.on.pull_request?.paths).toEqual(
    expect.arrayContaining([...paths, 'package.json', 'package-lock.json']),
  );
  expect(testedFolders(workflow)).toContain(folder);
  const jest = stepsOf(workflow).find((step) => step.run?.includes('npx jest'));
  expect(jest?.env?.MONGO_MEMORY_SERVER).toBe('1');
});

test('every folder handed to the reusable test workflow is one of the repository', () => {
  const folders = workflowFiles.flatMap((file) => testedFolders(readWorkflow(file)));
  expect(folders).toEqual(expect.arrayContaining(['client', 'common', 'local', 'test']));
  for (const folder of folders) {
    expect({ [folder]: existsSync(path.join(repoRoot, folder)) }).toEqual({ [folder]: true });
  }
});

test('the repository-level tests run in CI too', () => {
  expect(testedFolders(readWorkflow('test-local.yml'))).toContain('test');
});

test('publish-common.yml publishes @ticketing/common from common-v* tags with the npm token', () => {
  const workflow = readWorkflow('publish-common.yml');
  expect(workflow.on.push?.tags).toEqual(['common-v*']);
  const publish = stepsOf(workflow).find((step) => step.run?.startsWith('npm publish'));
  expect(publish?.run).toBe('npm publish -w @ticketing/common --access public');
  expect(publish?.env?.NODE_AUTH_TOKEN).toBe('${{ secrets.NPM_TOKEN }}');
});

// The deployment workflows: images built on pull requests, pushed and deployed from main, and run
// end to end on a kind cluster. Checked offline with action-validator (GitHub's workflow schema,
// as WebAssembly) and against the repository they name.
const actionValidator = require.resolve('@action-validator/cli/cli.mjs');

function validateWorkflow(file: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [actionValidator, file], { encoding: 'utf8' });
  // It warns that it does not check path globs; anything else it prints is a problem.
  const output = `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('WARNING: Glob validation is not yet supported'))
    .join('\n');
  return { status: result.status, output };
}

test.each(workflowFiles)('%s passes action-validator', (file) => {
  expect(validateWorkflow(path.join(workflowsDir, file))).toEqual({ status: 0, output: '' });
});

test('action-validator refuses a malformed workflow', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ticketing-workflow-'));
  try {
    const file = path.join(dir, 'broken.yml');
    writeFileSync(
      file,
      'name: broken\non: push\njob:\n  build:\n    runs-on: ubuntu-latest\n    steps: [{ run: make }]\n',
    );
    const result = validateWorkflow(file);
    expect(result.status).toBe(1);
    expect(result.output).toContain("Additional property 'job' is not allowed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A workflow's text with each matrix or loop variable over the components replaced by each component. */
function expandedText(file: string): string {
  const text = readFileSync(path.join(workflowsDir, file), 'utf8');
  const variable = /\$\{\{ matrix\.component \}\}|\$\{component\}|\$component\b|\$\{COMPONENT\}|\$COMPONENT\b/g;
  return variable.test(text) ? COMPONENTS.map((component) => text.replace(variable, component)).join('\n') : text;
}

/** The repository paths a workflow names: its path filters and the paths in its commands and inputs. */
function namedPaths(file: string): string[] {
  const workflow = readWorkflow(file);
  const filters = Object.values(workflow.on).flatMap((trigger) => trigger?.paths ?? []);
  const TOP_LEVEL = `(?:\\.github|${COMPONENTS.join('|')}|common|local|infra|scripts|test)`;
  const inText = [...expandedText(file).matchAll(new RegExp(`(?<![\\w/.:@-])(?:\\./)?(${TOP_LEVEL}/[\\w./*-]*)`, 'g'))]
    .map((match) => match[1])
    // Not the first step of a URL (github.com/.../test/...) nor an image name (ticketing/auth).
    .filter((candidate) => !candidate.endsWith('='));
  // A glob stands for its folder.
  return [...new Set([...filters, ...inText])].map((named) => named.replace(/\/?\*.*$/, '').replace(/\/$/, ''));
}

test.each(workflowFiles)('%s names only paths the repository has', (file) => {
  const paths = namedPaths(file);
  for (const named of paths) expect({ [named]: existsSync(path.join(repoRoot, named)) }).toEqual({ [named]: true });
});

test('the path check finds what the deployment workflows name', () => {
  expect(namedPaths('images.yml')).toEqual(expect.arrayContaining(COMPONENTS.map((c) => `${c}/Dockerfile`)));
  expect(namedPaths('deploy.yml')).toEqual(
    expect.arrayContaining([...COMPONENTS.map((c) => `${c}/Dockerfile`), 'infra/k8s/overlays/prod']),
  );
  expect(namedPaths('e2e.yml')).toEqual(
    expect.arrayContaining([
      ...COMPONENTS.map((c) => `${c}/Dockerfile`),
      'infra/kind/cluster.yaml',
      'infra/k8s/overlays/dev',
      'scripts/smoke-api.sh',
      '.dockerignore',
    ]),
  );
  expect(namedPaths('test-client.yml')).toEqual(
    expect.arrayContaining(['client', '.github/workflows/test-workspace.yml']),
  );
});

/** Every step's commands, one string. */
const commandsOf = (workflow: Workflow) =>
  stepsOf(workflow)
    .map((step) => step.run ?? '')
    .join('\n');

/** The images the Deployments in infra/k8s/base run, without a registry or tag. */
function manifestImages(): string[] {
  const dir = path.join(repoRoot, 'infra/k8s/base');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((document) => document.toJS()))
    .filter((object) => object?.kind === 'Deployment')
    .map((deployment) => deployment.spec.template.spec.containers[0].image as string)
    .sort();
}

/** The components a loop in `commands` goes over (`for component in …`), or the COMPONENTS variable holds. */
function loopedComponents(commands: string, env: Record<string, string> = {}): string[][] {
  return [...commands.matchAll(/for \w+ in ([^;\n]+); do/g)].map((match) =>
    match[1]
      .replace(/\$COMPONENTS\b/, env.COMPONENTS ?? '$COMPONENTS')
      .trim()
      .split(/\s+/),
  );
}

test('the components are the images the manifests run', () => {
  expect(manifestImages()).toEqual(COMPONENTS.map((component) => `ticketing/${component}`).sort());
});

test('images.yml builds every image from the repository root on pull requests, pushing nothing', () => {
  const workflow = readWorkflow('images.yml');
  expect(workflow.on.pull_request?.paths).toEqual(expect.arrayContaining(['common/**', '.dockerignore']));
  const [job] = Object.values(workflow.jobs);
  expect(job.strategy?.matrix?.component).toEqual(COMPONENTS);
  const commands = commandsOf(workflow);
  expect(commands).toMatch(/docker build -f "\$COMPONENT\/Dockerfile" .* \.$/m);
  expect(commands).not.toMatch(/docker (push|login)/);
  expect(stepsOf(workflow).filter((step) => step.uses?.startsWith('docker/'))).toEqual([]);
});

test('deploy.yml pushes the images to GHCR tagged with the commit, sets them in the prod overlay, applies it and waits', () => {
  const workflow = readWorkflow('deploy.yml');
  expect(workflow.on.push?.branches).toEqual(['main']);
  expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' });
  expect(workflow.concurrency).toEqual({ group: expect.any(String), 'cancel-in-progress': false });
  expect(workflow.jobs.images.strategy?.matrix?.component).toEqual(COMPONENTS);
  expect(workflow.jobs.deploy.needs).toBe('images');

  const steps = stepsOf(workflow);
  const push = steps.find((step) => step.uses?.startsWith('docker/build-push-action@'));
  expect(push?.with).toMatchObject({ context: '.', file: '${{ matrix.component }}/Dockerfile', push: true });
  expect(push?.with?.tags).toMatch(/:\$\{\{ github\.sha \}\}$/);
  const imageName = steps.find((step) => step.run?.includes('GITHUB_OUTPUT'))?.run;
  expect(imageName).toContain('ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/ticketing-$COMPONENT');
  expect(steps.find((step) => step.uses?.startsWith('docker/login-action@'))?.with).toMatchObject({
    registry: 'ghcr.io',
    password: '${{ secrets.GITHUB_TOKEN }}',
  });

  const setImage = steps.find((step) => step.run?.includes('kustomize edit set image'));
  expect(setImage?.['working-directory']).toBe('infra/k8s/overlays/prod');
  expect(setImage?.run).toContain(
    'kustomize edit set image "ticketing/$component=$registry/ticketing-$component:$GITHUB_SHA"',
  );
  expect(setImage?.run).toContain('registry="ghcr.io/${GITHUB_REPOSITORY_OWNER,,}"');
  const commands = commandsOf(workflow);
  expect(steps.find((step) => step.env?.KUBE_CONFIG)?.env?.KUBE_CONFIG).toBe('${{ secrets.KUBE_CONFIG }}');
  expect(commands).toContain('kubectl apply -k infra/k8s/overlays/prod');
  expect(commands).toMatch(/kubectl rollout status "deployment\/\$deployment" --timeout=\d+m/);
  // Every image set, every Deployment waited for.
  expect(loopedComponents(commands)).toEqual([COMPONENTS, COMPONENTS]);
});

/** The Secrets and keys `kubectl create secret generic` commands make. */
function createdSecrets(commands: string): Record<string, string[]> {
  const secrets: Record<string, string[]> = {};
  for (const match of commands.matchAll(
    /kubectl create secret generic ([\w-]+)((?:\s+\\?\s*--from-\w+=[\w-]+=\S+)+)/g,
  )) {
    secrets[match[1]] = [...match[2].matchAll(/--from-\w+=([\w-]+)=/g)].map((key) => key[1]);
  }
  return secrets;
}

test("e2e.yml runs the images on kind with the README's Secrets, the dev overlay, and the main path through the Ingress", () => {
  const workflow = readWorkflow('e2e.yml');
  const job = workflow.jobs.kind;
  const steps = stepsOf(workflow);
  expect(steps.find((step) => step.uses?.startsWith('helm/kind-action@'))?.with).toEqual({
    cluster_name: 'ticketing',
    config: 'infra/kind/cluster.yaml',
  });
  const commands = commandsOf(workflow);
  expect(commands).toMatch(
    /kubectl apply -f https:\/\/raw\.githubusercontent\.com\/kubernetes\/ingress-nginx\/controller-v[\d.]+\/deploy\/static\/provider\/kind\/deploy\.yaml/,
  );
  expect(commands).toContain('docker build -f "$component/Dockerfile" -t "ticketing/$component:e2e" .');
  expect(commands).toContain('kind load docker-image "ticketing/$component:e2e" --name ticketing');
  expect(commands).toContain('kustomize edit set image "ticketing/$component=ticketing/$component:e2e"');
  expect(loopedComponents(commands, job.env)).toEqual([
    COMPONENTS,
    COMPONENTS,
    expect.any(Array),
    COMPONENTS,
    COMPONENTS,
  ]);

  // The README's steps for a local cluster, up to the next heading.
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const localCluster = /^#### On your machine, with kind$([\s\S]*?)^#{2,4} /m.exec(readme)?.[1] ?? '';
  expect(Object.keys(createdSecrets(localCluster)).sort()).toEqual(['ticketing-jwt', 'ticketing-stripe']);
  expect(createdSecrets(commands)).toEqual(createdSecrets(localCluster));
  expect(commands).toContain("generateKeyPairSync('ed25519')");

  expect(commands).toContain('kubectl apply -k infra/k8s/overlays/dev');
  const smoke = steps.find((step) => step.run === 'scripts/smoke-api.sh');
  expect(smoke?.env).toMatchObject({ API: 'https://ticketing.dev', RESOLVE: 'ticketing.dev:443:127.0.0.1' });
});

test("the kind cluster's pod range is the one whose proxies the services believe (TRUST_PROXY)", () => {
  const kind = parseDocument(readFileSync(path.join(repoRoot, 'infra/kind/cluster.yaml'), 'utf8')).toJS();
  const base = readFileSync(path.join(repoRoot, 'infra/k8s/base/kustomization.yaml'), 'utf8');
  expect(base).toContain(`- TRUST_PROXY=${kind.networking.podSubnet}`);
  const [node] = kind.nodes;
  expect(node.kubeadmConfigPatches.join('\n')).toContain('node-labels: "ingress-ready=true"');
  expect(node.extraPortMappings.map((mapping: { hostPort: number }) => mapping.hostPort)).toEqual([80, 443]);
});

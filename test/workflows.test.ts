// The GitHub workflows cannot run here, so their shape is checked instead: every file
// parses, each service's tests run on the pull requests that can break them, against a
// real mongod (MONGO_MEMORY_SERVER=1), and @ticketing/common is published from its tags.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

const repoRoot = path.resolve(__dirname, '..');
const workflowsDir = path.join(repoRoot, '.github/workflows');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

interface Job {
  'runs-on'?: string;
  uses?: string;
  with?: Record<string, string>;
  steps?: Step[];
}

interface Workflow {
  on: Record<string, { paths?: string[]; tags?: string[]; inputs?: Record<string, unknown> } | null>;
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
      expect.stringMatching(/^npm (ci|install)\b/),
    ]),
  );
  const jest = steps.find((step) => step.run?.includes('npx jest'));
  expect(jest?.env?.MONGO_MEMORY_SERVER).toBe('1');
});

const folderWorkflows: [string, string, string[]][] = [
  ...['auth', 'tickets', 'orders', 'payments', 'expiration', 'client'].map((service): [string, string, string[]] => [
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

// The Kubernetes manifests (infra/k8s) as `kubectl kustomize` renders them, for the tests that check
// them (kubernetes.test.ts) and run the images with their Deployments' settings (images/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const k8sDir = path.resolve(__dirname, '../infra/k8s');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field where used
export type Manifest = any;

/** Every object `kubectl kustomize <dir>` renders. */
export function render(dir: string): Manifest[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `Cannot run kubectl (${result.error.message}): these tests need kubectl on PATH ` +
        '(https://kubernetes.io/docs/tasks/tools/; scripts/prerequisites.mjs does not install it).',
    );
  }
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => {
    const object = document.toJS();
    // kustomize writes a long Secret value's base64 over several lines, which the API server's
    // decoder (Go's base64) skips: the schema's "byte" format does not.
    if (object.kind === 'Secret') {
      for (const key of Object.keys(object.data ?? {})) object.data[key] = object.data[key].replace(/\n/g, '');
    }
    return object;
  });
}

/** `resource` (the base or an overlay, relative to infra/k8s) with the components, as a kustomization outside the repository renders it. */
export function renderWith(resource: string, components: string[]): Manifest[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ticketing-k8s-'));
  const relative = (to: string) => path.relative(dir, path.join(k8sDir, to));
  try {
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${relative(resource)}]`,
        `components: [${components.map((component) => relative(`components/${component}`)).join(', ')}]`,
      ].join('\n'),
    );
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

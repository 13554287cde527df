// A container run as its rendered Kubernetes Deployment would run it, as far as one machine allows:
// the pod's user and group, a read-only root filesystem, every capability dropped, no privilege
// escalation, the resource limits, each emptyDir volume as a tmpfs at its mount path, the
// termination grace period, and the Deployment's environment with local values for what the
// cluster provides (ConfigMap and Secret references are resolved through `localValues`).
//
// What differs, because every container shares the host's network here: each listens on its own
// loopback port (PORT and HOST, HOSTNAME for the client, are set to those), and payments is pointed
// at the fake Stripe API (STRIPE_API_*), which in a cluster it reaches as api.stripe.com.
import type { Manifest } from '../kubernetes-manifests';

/** A value the cluster would provide: `configMap/<name>/<key>` or `secret/<name>/<key>`, name without kustomize's hash. */
export type LocalValues = Record<string, string>;

export interface ContainerPlan {
  component: string;
  /** `docker run` arguments before the image. */
  runArgs: string[];
  env: Record<string, string>;
  /** The Deployment's terminationGracePeriodSeconds: how long a stop may take before SIGKILL. */
  gracePeriodSeconds: number;
  /** The readiness probe's path (/readyz, the client's /healthz). */
  readinessPath: string;
  /** How long the startup probe allows: periodSeconds × failureThreshold. */
  startupSeconds: number;
}

/**
 * The name a reference had before kustomize appended its content hash: a ConfigMap or Secret the
 * overlay generates is renamed ticketing-config-5c2hb8t4f2; one created outside (kubectl create
 * secret) is not rendered and keeps its name.
 */
function unhashedName(name: string, objects: Manifest[], kind: string): string {
  const generated = objects.some((object) => object.kind === kind && object.metadata.name === name);
  return generated ? name.replace(/-[a-z0-9]{10}$/, '') : name;
}

/** Kubernetes quantities as docker takes them: 256Mi -> 256m, 500m (CPU) -> 0.5. */
function dockerMemory(quantity: string): string {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unsupported memory quantity ${quantity}`);
  return match[2] === 'Gi' ? `${match[1]}g` : `${match[1]}m`;
}

function dockerCpus(quantity: string): string {
  return quantity.endsWith('m') ? String(Number(quantity.slice(0, -1)) / 1000) : quantity;
}

/**
 * The container of `component`'s Deployment in `objects` (a rendered overlay), planned to run on
 * `port` of the loopback interface with `extraEnv` added. Throws when the Deployment refers to a
 * ConfigMap or Secret value `localValues` does not provide, or to a ConfigMap key that does not exist.
 */
export function planContainer(
  objects: Manifest[],
  component: string,
  port: number,
  localValues: LocalValues,
  extraEnv: Record<string, string> = {},
): ContainerPlan {
  const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === component);
  if (!deployment) throw new Error(`no Deployment named ${component}`);
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((candidate: Manifest) => candidate.name === component) ?? pod.containers[0];

  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = String(variable.value);
      continue;
    }
    const configMapRef = variable.valueFrom?.configMapKeyRef;
    const secretRef = variable.valueFrom?.secretKeyRef;
    if (configMapRef) {
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapRef.name);
      const local =
        localValues[`configMap/${unhashedName(configMapRef.name, objects, 'ConfigMap')}/${configMapRef.key}`];
      const rendered = configMap?.data?.[configMapRef.key];
      if (rendered === undefined)
        throw new Error(`${component}: ConfigMap ${configMapRef.name} has no ${configMapRef.key}`);
      env[variable.name] = local ?? rendered;
    } else if (secretRef) {
      const key = `secret/${unhashedName(secretRef.name, objects, 'Secret')}/${secretRef.key}`;
      if (localValues[key] === undefined) throw new Error(`${component}: no local value for ${key} (${variable.name})`);
      env[variable.name] = localValues[key];
    } else {
      throw new Error(`${component}: ${variable.name} has a source this suite does not know`);
    }
  }
  // The client (Next.js) reads HOSTNAME, the services HOST; each on its own loopback port.
  Object.assign(
    env,
    { PORT: String(port) },
    component === 'client' ? { HOSTNAME: '127.0.0.1' } : { HOST: '127.0.0.1' },
  );
  Object.assign(env, extraEnv);

  const podSecurity = pod.securityContext ?? {};
  const containerSecurity = container.securityContext ?? {};
  const user = containerSecurity.runAsUser ?? podSecurity.runAsUser;
  const group = containerSecurity.runAsGroup ?? podSecurity.runAsGroup ?? user;
  const volumeGroup = podSecurity.fsGroup ?? group;
  const runArgs = ['--network', 'host'];
  if (user !== undefined) runArgs.push('--user', `${user}:${group}`);
  if (containerSecurity.readOnlyRootFilesystem) runArgs.push('--read-only');
  for (const capability of containerSecurity.capabilities?.drop ?? []) runArgs.push('--cap-drop', capability);
  if (containerSecurity.allowPrivilegeEscalation === false) runArgs.push('--security-opt', 'no-new-privileges');
  const limits = container.resources?.limits ?? {};
  if (limits.memory) runArgs.push('--memory', dockerMemory(limits.memory));
  if (limits.cpu) runArgs.push('--cpus', dockerCpus(limits.cpu));
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((candidate: Manifest) => candidate.name === mount.name);
    if (!volume?.emptyDir) throw new Error(`${component}: volume ${mount.name} is not an emptyDir`);
    // An emptyDir is a fresh directory the pod's group may write; a tmpfs is the closest here.
    runArgs.push('--tmpfs', `${mount.mountPath}:rw,mode=1777,uid=${user ?? 0},gid=${volumeGroup ?? 0}`);
  }
  const gracePeriodSeconds = pod.terminationGracePeriodSeconds ?? 30;
  runArgs.push('--stop-timeout', String(gracePeriodSeconds));
  for (const [name, value] of Object.entries(env)) runArgs.push('--env', `${name}=${value}`);

  const startup = container.startupProbe ?? {};
  return {
    component,
    runArgs,
    env,
    gracePeriodSeconds,
    readinessPath: container.readinessProbe?.httpGet?.path ?? '/',
    startupSeconds: (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3),
  };
}

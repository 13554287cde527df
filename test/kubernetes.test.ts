// The Kubernetes manifests (infra/k8s), rendered as `kubectl kustomize` renders them and checked
// against the Kubernetes API schema, the deployment policies and the services' own configuration.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { authEnv } from '../auth/src/config';
import { readConfig as readClientConfig } from '../client/src/lib/config';
import { runServiceEnv } from '../common/src/kit/run-service';
import { expirationEnv } from '../expiration/src/config';
import { notificationsEnv } from '../notifications/src/config';
import {
  SERVICE_APIS,
  SERVICE_HEAP_OPTION,
  SERVICE_NAMES,
  SERVICE_OLD_SPACE_MB,
  type ServiceName,
} from '../local/stack/src/services';
import { k8sDir, render, renderWith, type Manifest } from './kubernetes-manifests';
import { ordersEnv } from '../orders/src/config';
import { paymentsEnv } from '../payments/src/config';
import { env as ticketsEnv } from '../tickets/src/config';

const repoRoot = path.resolve(__dirname, '..');

const renders: Record<string, Manifest[]> = {
  'overlays/dev': render(path.join(k8sDir, 'overlays/dev')),
  'overlays/prod': render(path.join(k8sDir, 'overlays/prod')),
  'base with components/network-policies': renderWith('base', ['network-policies']),
  'base with components/autoscaling': renderWith('base', ['autoscaling']),
};
const renderNames = Object.keys(renders);

/** The Secrets an operator creates with `kubectl create secret` (README, "Deploying to Kubernetes"). */
const OPERATOR_SECRETS = ['ticketing-jwt', 'ticketing-stripe', 'ticketing-smtp'];
/** The dev overlay's mail catcher, an image of its own like its datastores': not one of ours. */
const DEV_MAIL_CATCHER = 'mailpit';
/** The prod overlay's datastores are the operator's too; the dev overlay generates this Secret. */
const DATASTORES_SECRET = 'ticketing-datastores';

// What runService adds to every service's own variables (common/src/kit/run-service.ts), with
// MONGO_URI, NATS_URL and NATS_STREAM_REPLICAS as the service's `uses` in its main.ts asks for them.
function runServiceVariables(service: ServiceName): z.ZodRawShape {
  const main = readFileSync(path.join(repoRoot, service, 'src/main.ts'), 'utf8');
  const uses = /uses: \{ mongo: (true|false), nats: (true|false)/.exec(main);
  if (!uses) throw new Error(`${service}/src/main.ts: no \`uses: { mongo, nats }\` found`);
  return runServiceEnv({ mongo: uses[1] === 'true', nats: uses[2] === 'true' });
}

const SERVICE_ENV: Record<ServiceName, z.ZodRawShape> = {
  auth: authEnv,
  tickets: ticketsEnv,
  orders: ordersEnv,
  payments: paymentsEnv,
  expiration: expirationEnv,
  notifications: notificationsEnv,
};

/**
 * Each variable a service reads, checking a value as the service would at start-up; and Node's
 * NODE_OPTIONS, which must size the heap as the local stack does.
 */
function serviceVariables(service: ServiceName): Record<string, (value: string | undefined) => boolean> {
  const shape = { ...runServiceVariables(service), ...SERVICE_ENV[service] };
  return {
    ...Object.fromEntries(
      Object.entries(shape).map(([name, schema]) => [name, (value) => z.safeParse(schema, value).success]),
    ),
    NODE_OPTIONS: (value) => value === SERVICE_HEAP_OPTION,
  };
}

// The client checks its own variables in readConfig; Next.js's server reads PORT and HOSTNAME
// (where it listens) and NEXT_TELEMETRY_DISABLED.
function clientVariables(): Record<string, (value: string | undefined) => boolean> {
  const NEXT_SERVER_VARIABLES = ['PORT', 'HOSTNAME', 'NEXT_TELEMETRY_DISABLED'];
  const CLIENT_CONFIG_VARIABLES = ['API_BASE_URL', 'PAYMENT_CURRENCY', 'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY'];
  const valid = (name: string) => (value: string | undefined) => {
    // Set with a valid API_BASE_URL, so that only the variable under test can be wrong.
    const env = { API_BASE_URL: 'http://localhost:3000', [name]: value };
    try {
      readClientConfig(env);
      return true;
    } catch {
      return false;
    }
  };
  return {
    ...Object.fromEntries(NEXT_SERVER_VARIABLES.map((name) => [name, () => true])),
    ...Object.fromEntries(CLIENT_CONFIG_VARIABLES.map((name) => [name, valid(name)])),
  };
}

const WORKLOADS = [...SERVICE_NAMES, 'client'] as const;
/** The services that keep a MongoDB database: every one but expiration (Redis). */
const MONGO_SERVICES = SERVICE_NAMES.filter((service) => service !== 'expiration');
type Workload = (typeof WORKLOADS)[number];
const variablesOf = (workload: Workload) => (workload === 'client' ? clientVariables() : serviceVariables(workload));

/** The model class of a rendered object, from kubernetes-models' module for its apiVersion. */
async function modelClass(apiVersion: string, kind: string) {
  const module = await import(`kubernetes-models/${apiVersion}`);
  if (typeof module[kind] !== 'function') throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return module[kind] as new (data: unknown) => { validate(): void };
}

const ofKind = (objects: Manifest[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);
/** A generated ConfigMap or Secret, whose rendered name ends in a hash of its content. */
const generated = (objects: Manifest[], kind: string, name: string) =>
  objects.find((object) => object.kind === kind && new RegExp(`^${name}-[a-z0-9]{10}$`).test(object.metadata.name));

/** The value an env entry gives its variable, when the render holds it; undefined for an operator's Secret. */
function envValue(objects: Manifest[], entry: Manifest): string | undefined {
  if (entry.value !== undefined) return entry.value;
  const configMapRef = entry.valueFrom?.configMapKeyRef;
  if (configMapRef) return named(objects, 'ConfigMap', configMapRef.name)?.data?.[configMapRef.key];
  const secretRef = entry.valueFrom?.secretKeyRef;
  const secret = secretRef && named(objects, 'Secret', secretRef.name);
  const encoded = secret?.data?.[secretRef.key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

describe.each(renderNames)('kubectl kustomize %s', (renderName) => {
  const objects = renders[renderName];
  const deployments = ofKind(objects, 'Deployment').filter(
    (deployment) => deployment.metadata.name !== DEV_MAIL_CATCHER,
  );

  it('renders objects that validate against the Kubernetes API schema', async () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const Model = await modelClass(object.apiVersion, object.kind);
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it('has a Deployment and a Service for each service and the client, with images ticketing/<name>', () => {
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual([...WORKLOADS].sort());
    for (const deployment of deployments) {
      const { name } = deployment.metadata;
      expect(deployment.spec.template.spec.containers.map((container: Manifest) => container.image)).toEqual([
        `ticketing/${name}`,
      ]);
      expect(named(objects, 'Service', name)).toBeDefined();
    }
  });

  it.each(WORKLOADS)('%s: probes, resources, security context and grace period', (workload) => {
    const pod = named(objects, 'Deployment', workload).spec.template.spec;
    // common/src/kit/shutdown.ts: a 500 ms drain, then at most 10 s of steps, all before SIGKILL.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10.5);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const mounts = (container: Manifest): string[] =>
      (container.volumeMounts ?? []).map((mount: Manifest) => mount.mountPath);
    for (const container of pod.containers) {
      const portNames = container.ports.map((port: Manifest) => port.name);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        expect(portNames).toContain(container[probe]?.httpGet?.port);
      }
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      if (workload === 'client') {
        // The client's server has no dependencies to be ready for: its /healthz answers both.
        expect(container.readinessProbe.httpGet.path).toBe('/healthz');
        expect(existsSync(path.join(repoRoot, 'client/src/app/healthz/route.ts'))).toBe(true);
      } else {
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      }
      for (const bound of ['requests', 'limits']) {
        expect(Object.keys(container.resources?.[bound] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
      if (workload !== 'client') {
        // The heap gets half the memory limit; Node would size it from the whole limit.
        expect(container.resources.limits.memory).toBe(`${2 * SERVICE_OLD_SPACE_MB}Mi`);
        const nodeOptions = container.env.find((entry: Manifest) => entry.name === 'NODE_OPTIONS');
        expect(nodeOptions?.value).toBe(SERVICE_HEAP_OPTION);
      }
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container.securityContext.capabilities.drop).toContain('ALL');
      expect(mounts(container)).toContain('/tmp');
      if (workload === 'client') expect(mounts(container)).toContain('/app/.next/cache');
      const emptyDirs = pod.volumes
        .filter((volume: Manifest) => volume.emptyDir)
        .map((volume: Manifest) => volume.name);
      for (const mount of container.volumeMounts) expect(emptyDirs).toContain(mount.name);
    }
  });

  it.each(WORKLOADS)('%s: sets only variables it reads, every one it requires, with valid values', (workload) => {
    const variables = variablesOf(workload);
    const [container] = named(objects, 'Deployment', workload).spec.template.spec.containers;
    const env: Manifest[] = container.env;
    expect(container.envFrom).toBeUndefined();
    expect(Object.keys(variables)).toEqual(expect.arrayContaining(env.map((entry) => entry.name)));
    const required = Object.keys(variables).filter((name) => !variables[name](undefined));
    expect(env.map((entry) => entry.name)).toEqual(expect.arrayContaining(required));

    const generatedSecrets = ofKind(objects, 'Secret').map((secret) => secret.metadata.name);
    for (const entry of env) {
      const secretRef = entry.valueFrom?.secretKeyRef;
      if (secretRef && !generatedSecrets.includes(secretRef.name)) {
        expect([...OPERATOR_SECRETS, DATASTORES_SECRET]).toContain(secretRef.name);
        continue;
      }
      const value = envValue(objects, entry);
      expect({ [entry.name]: value }).toEqual({ [entry.name]: expect.any(String) });
      expect({ [entry.name]: variables[entry.name](value) }).toEqual({ [entry.name]: true });
    }
  });

  it('takes every secret from a Secret, never from a plain value', () => {
    const SECRETS = ['JWT_PRIVATE_KEY', 'JWT_PUBLIC_KEYS', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SMTP_URL'];
    const secretEntries = deployments
      .flatMap((deployment) => deployment.spec.template.spec.containers[0].env)
      .filter((entry: Manifest) => SECRETS.includes(entry.name));
    expect(new Set(secretEntries.map((entry: Manifest) => entry.name))).toEqual(new Set(SECRETS));
    // The dev overlay generates ticketing-smtp (its mail catcher's address), whose name gets a hash.
    const operatorSecret = (name: string) => name.replace(/^(ticketing-smtp)-[a-z0-9]{10}$/, '$1');
    for (const entry of secretEntries) {
      expect(OPERATOR_SECRETS).toContain(operatorSecret(entry.valueFrom?.secretKeyRef?.name));
    }
  });

  it("routes the local gateway's API prefixes, then the client's catch-all, to Service ports", () => {
    const [ingress] = ofKind(objects, 'Ingress');
    const apiRoutes = Object.entries(SERVICE_APIS).map(([service, api]) => ({ path: api!.prefix, service }));
    const routes = (rule: Manifest) =>
      rule.http.paths.map((route: Manifest) => {
        expect(route.pathType).toBe('Prefix');
        return { path: route.path, service: route.backend.service.name };
      });
    const [site, inCluster] = ingress.spec.rules;
    expect(routes(site)).toEqual([...apiRoutes, { path: '/', service: 'client' }]);
    // The client's API_BASE_URL is the host of the second rule, which serves the APIs alone.
    expect(`http://${inCluster.host}`).toBe(generated(objects, 'ConfigMap', 'ticketing-config').data.API_BASE_URL);
    expect(routes(inCluster)).toEqual(apiRoutes);

    for (const route of [...site.http.paths, ...inCluster.http.paths]) {
      const service = named(objects, 'Service', route.backend.service.name);
      const servicePort = service.spec.ports.find((port: Manifest) => port.name === route.backend.service.port.name);
      const deployment = named(objects, 'Deployment', route.backend.service.name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      const containerPorts = deployment.spec.template.spec.containers[0].ports.map((port: Manifest) => port.name);
      expect(containerPorts).toContain(servicePort.targetPort);
    }
  });
});

// kubectl apply sets a Deployment's spec.replicas on every deploy, undoing what its autoscaler decided.
const autoscaledRenders = renderNames.filter((name) => ofKind(renders[name], 'HorizontalPodAutoscaler').length > 0);

test('the autoscaled renders are the prod overlay and the autoscaling component', () => {
  expect(autoscaledRenders).toEqual(['overlays/prod', 'base with components/autoscaling']);
});

test.each(autoscaledRenders)('%s: no Deployment that an autoscaler scales sets spec.replicas', (renderName) => {
  const objects = renders[renderName];
  const autoscalers = ofKind(objects, 'HorizontalPodAutoscaler');
  for (const autoscaler of autoscalers) {
    const { apiVersion, kind, name } = autoscaler.spec.scaleTargetRef;
    expect({ apiVersion, kind }).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment' });
    const target = named(objects, kind, name);
    expect(target).toBeDefined();
    expect({ [name]: target.spec.replicas }).toEqual({ [name]: undefined });
  }
  expect(autoscalers.map((autoscaler) => autoscaler.spec.scaleTargetRef.name).sort()).toEqual([...WORKLOADS].sort());
});

describe('overlays/dev', () => {
  const objects = renders['overlays/dev'];
  const statefulSets = ofKind(objects, 'StatefulSet');

  it('serves https://ticketing.dev', () => {
    const [ingress] = ofKind(objects, 'Ingress');
    expect(ingress.spec.rules[0].host).toBe('ticketing.dev');
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.PUBLIC_ORIGIN).toBe('https://ticketing.dev');
    // The emails' links lead to the same site.
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.PUBLIC_URL).toBe('https://ticketing.dev');
  });

  it('runs a MongoDB per service as a replica set, NATS with JetStream on disk and Redis with an append-only file', () => {
    expect(statefulSets.map((set) => set.metadata.name).sort()).toEqual(
      ['auth-mongo', 'nats', 'notifications-mongo', 'orders-mongo', 'payments-mongo', 'redis', 'tickets-mongo'].sort(),
    );
    const args = (name: string) => named(objects, 'StatefulSet', name).spec.template.spec.containers[0].args.join(' ');
    for (const service of MONGO_SERVICES) {
      expect(args(`${service}-mongo`)).toContain('--replSet rs0');
      const initJob = named(objects, 'Job', `${service}-mongo-init`).spec.template.spec.containers[0].command.join(' ');
      expect(initJob).toContain('rs.initiate');
      expect(initJob).toContain(`${service}-mongo-0.${service}-mongo:27017`);
    }
    expect(args('nats')).toMatch(/--jetstream --store_dir \/data/);
    expect(args('redis')).toContain('--appendonly yes');
    for (const set of statefulSets) {
      const [claim] = set.spec.volumeClaimTemplates;
      const mounts = set.spec.template.spec.containers[0].volumeMounts.map((mount: Manifest) => mount.name);
      expect(mounts).toContain(claim.metadata.name);
    }
  });

  it('runs the datastores, their init Jobs and the mail catcher unprivileged, with resources bounded', () => {
    const mailCatcher = named(objects, 'Deployment', DEV_MAIL_CATCHER);
    const pods = [...statefulSets, ...ofKind(objects, 'Job'), mailCatcher].map(
      (workload) => workload.spec.template.spec,
    );
    expect(pods.length).toBe(statefulSets.length + MONGO_SERVICES.length + 1);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        for (const bound of ['requests', 'limits']) {
          expect(Object.keys(container.resources?.[bound] ?? {}).sort()).toEqual(['cpu', 'memory']);
        }
      }
    }
  });

  it('sends the emails to its mail catcher, which admits only notifications', () => {
    const smtpSecret = generated(objects, 'Secret', 'ticketing-smtp');
    const smtpUrl = new URL(Buffer.from(smtpSecret.data.url, 'base64').toString('utf8'));
    expect(smtpUrl.hostname).toBe(DEV_MAIL_CATCHER);
    const service = named(objects, 'Service', DEV_MAIL_CATCHER);
    expect(service.spec.ports.map((port: Manifest) => String(port.port))).toContain(smtpUrl.port);
    const [policy] = ofKind(objects, 'NetworkPolicy').filter(
      (candidate) => candidate.spec.podSelector.matchLabels?.app === DEV_MAIL_CATCHER,
    );
    expect(policy.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'notifications' } } }], ports: [{ port: 'smtp' }] },
    ]);
  });

  it('keeps one copy of the event streams, on its one NATS server', () => {
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.NATS_STREAM_REPLICAS).toBe('1');
    expect(named(objects, 'StatefulSet', 'nats').spec.replicas ?? 1).toBe(1);
  });

  it('points the services at those datastores, MongoDB as the replica set rs0', () => {
    const data = generated(objects, 'Secret', DATASTORES_SECRET).data;
    const url = (key: string) => new URL(Buffer.from(data[key], 'base64').toString('utf8'));
    const servicePorts = (name: string) =>
      named(objects, 'Service', name).spec.ports.map((port: Manifest) => String(port.port));
    for (const service of MONGO_SERVICES) {
      const mongoUri = url(`${service}-mongo-uri`);
      // The pod's own name, as the replica set's config has it, so that the driver finds the member it is told of.
      expect(mongoUri.hostname).toBe(`${service}-mongo-0.${service}-mongo`);
      expect(servicePorts(`${service}-mongo`)).toContain(mongoUri.port);
      expect(mongoUri.searchParams.get('replicaSet')).toBe('rs0');
    }
    for (const [key, name] of [
      ['nats-url', 'nats'],
      ['redis-url', 'redis'],
    ]) {
      expect(url(key).hostname).toBe(name);
      expect(servicePorts(name)).toContain(url(key).port);
    }
  });

  it("admits to each datastore only the services whose Deployments use it (and mongo's init Job)", () => {
    const datastoresSecret = generated(objects, 'Secret', DATASTORES_SECRET);
    for (const set of statefulSets) {
      const name = set.metadata.name;
      const key = Object.keys(datastoresSecret.data).find((candidate) => candidate.startsWith(`${name}-ur`));
      const users = ofKind(objects, 'Deployment')
        .filter((deployment) => deployment.metadata.name !== DEV_MAIL_CATCHER)
        .filter((deployment) =>
          deployment.spec.template.spec.containers[0].env.some(
            (entry: Manifest) => entry.valueFrom?.secretKeyRef?.key === key,
          ),
        )
        .map((deployment) => deployment.metadata.name);
      expect(users.length).toBeGreaterThan(0);

      const policies = ofKind(objects, 'NetworkPolicy').filter(
        (policy) => policy.spec.podSelector.matchLabels?.app === set.spec.template.metadata.labels.app,
      );
      expect(policies).toHaveLength(1);
      const admitted = policies[0].spec.ingress.flatMap((rule: Manifest) =>
        rule.from.flatMap((peer: Manifest) => {
          expect(peer.namespaceSelector).toBeUndefined();
          const selector = peer.podSelector;
          if (selector.matchLabels) return [selector.matchLabels.app];
          return selector.matchExpressions.flatMap((expression: Manifest) => {
            expect(expression).toMatchObject({ key: 'app', operator: 'In' });
            return expression.values;
          });
        }),
      );
      const initJob = `${name}-init`;
      expect(admitted.filter((app: string) => app !== initJob).sort()).toEqual(users.sort());
    }
  });
});

describe('overlays/prod', () => {
  const objects = renders['overlays/prod'];

  it('serves its host over TLS from cert-manager', () => {
    const [ingress] = ofKind(objects, 'Ingress');
    const host = ingress.spec.rules[0].host;
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBeDefined();
    expect(ingress.spec.tls).toEqual([{ hosts: [host], secretName: expect.any(String) }]);
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.PUBLIC_ORIGIN).toBe(`https://${host}`);
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.PUBLIC_URL).toBe(`https://${host}`);
  });

  it('takes its datastores from the operator and runs none', () => {
    expect(ofKind(objects, 'StatefulSet')).toEqual([]);
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it("keeps every event on three servers of the operator's NATS cluster", () => {
    expect(generated(objects, 'ConfigMap', 'ticketing-config').data.NATS_STREAM_REPLICAS).toBe('3');
  });

  it.each(WORKLOADS)(
    '%s: two replicas at least, autoscaled, a disruption budget, spread over nodes and zones',
    (name) => {
      const deployment = named(objects, 'Deployment', name);
      // The autoscaler's minReplicas is the floor: the Deployment sets no count of its own.
      expect(deployment.spec.replicas).toBeUndefined();
      const autoscaler = named(objects, 'HorizontalPodAutoscaler', name);
      expect(autoscaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(autoscaler.spec.minReplicas).toBeGreaterThanOrEqual(2);
      const budget = named(objects, 'PodDisruptionBudget', name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(budget.spec.selector.matchLabels);
      const spread = deployment.spec.template.spec.topologySpreadConstraints;
      expect(spread.map((constraint: Manifest) => constraint.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
    },
  );
});

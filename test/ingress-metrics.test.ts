// /metrics is scraped by Prometheus on each service's own port (the monitoring component's
// ServiceMonitor), never served to the outside: no Ingress of either overlay, nor of the base with
// any component, routes a path a service would answer /metrics on.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '../local/stack/src/services';
import { k8sDir, render, renderWith, type Manifest } from './kubernetes-manifests';

const components = readdirSync(path.join(k8sDir, 'components'));

const renders: [string, Manifest[]][] = [
  ...['overlays/dev', 'overlays/prod'].map((overlay): [string, Manifest[]] => [
    overlay,
    render(path.join(k8sDir, overlay)),
  ]),
  ...components.map((component): [string, Manifest[]] => [`base with ${component}`, renderWith('base', [component])]),
];

/** The services whose apps serve /metrics: every Deployment but the web client. */
const SERVICES: readonly string[] = SERVICE_NAMES;

describe.each(renders)('%s', (_name, objects) => {
  const ingresses = objects.filter((object) => object.kind === 'Ingress');

  it('has an Ingress', () => {
    expect(ingresses.length).toBeGreaterThan(0);
  });

  it('routes only /api prefixes to the services, as plain prefixes, never /metrics', () => {
    const routes = ingresses.flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: Manifest) =>
        rule.http.paths.map((route: Manifest) => ({
          path: route.path as string,
          pathType: route.pathType as string,
          service: route.backend.service.name as string,
        })),
      ),
    );
    const toServices = routes.filter((route) => SERVICES.includes(route.service));
    expect(toServices.length).toBeGreaterThan(0);
    for (const route of toServices) {
      // A Prefix path below /api/ cannot match /metrics; a regex (ImplementationSpecific) could.
      expect(route).toEqual({ ...route, pathType: 'Prefix', path: expect.stringMatching(/^\/api\/[a-z]+$/) });
    }
    expect(routes.filter((route) => route.path.startsWith('/metrics'))).toEqual([]);
  });

  it('neither rewrites paths nor uses regular expressions, which could turn an /api path into /metrics', () => {
    for (const ingress of ingresses) {
      const annotations = Object.keys(ingress.metadata.annotations ?? {});
      expect(
        annotations.filter((name) => /rewrite-target|use-regex|configuration-snippet|server-snippet/.test(name)),
      ).toEqual([]);
    }
  });
});

/** Liveness and readiness of the client's server, for the local launcher and Kubernetes probes. */
export function GET(): Response {
  return Response.json({ status: 'ok' });
}

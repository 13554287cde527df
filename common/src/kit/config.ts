import express from 'express';
import { z } from 'zod';
import { errorMessage } from '../errors/error-message';
import { parseJwtPrivateKey, parseJwtPublicKeys } from '../middlewares/jwt-keys';

/** Thrown by loadConfig; its message names every bad variable, ready to print before exiting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** A string variable read by `parse`, whose Error message becomes the variable's problem. */
function parsed<Value>(parse: (text: string) => Value) {
  return z.string().transform((text, ctx): Value => {
    try {
      return parse(text);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: errorMessage(err), input: text });
      return z.NEVER;
    }
  });
}

/** Trust X-Forwarded-* only from the machine itself: where the local gateway runs. */
export const DEFAULT_TRUST_PROXY = 'loopback';

const TRUST_PROXY_FORMAT = 'a comma-separated list of IP addresses, CIDR ranges or loopback, linklocal, uniquelocal';

/** What is wrong with `value` as Express's `trust proxy` list, which it compiles at once, throwing on a bad entry. */
function trustProxyProblem(value: string): string | undefined {
  // Express would read "1" as the address 0.0.0.1, not as one hop: refuse it rather than trust nobody unawares.
  if (value.split(',').some((entry) => /^\s*\d+\s*$/.test(entry))) {
    return `must be ${TRUST_PROXY_FORMAT}, not a number of hops`;
  }
  try {
    express().set('trust proxy', value);
    return undefined;
  } catch (err) {
    return `must be ${TRUST_PROXY_FORMAT} (${(err as Error).message})`;
  }
}

/**
 * Environment variables most services read. Pick the ones a service needs into its
 * own schema: `z.object({ PORT: commonEnv.PORT, JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS, ... })`.
 * Secrets and connection URLs have no default: a missing one must stop the service.
 */
export const commonEnv = {
  PORT: z.coerce
    .number({ error: 'must be an integer from 1 to 65535' })
    .int({ error: 'must be an integer from 1 to 65535' })
    .min(1, { error: 'must be an integer from 1 to 65535' })
    .max(65535, { error: 'must be an integer from 1 to 65535' })
    .default(3000),
  /** Address to listen on: all interfaces in a container, loopback behind the local gateway. */
  HOST: z.string().default('0.0.0.0'),
  /** Auth's public keys, which verify session JWTs: a JWKS of Ed25519 keys, each with its kid (see jwt-keys). */
  JWT_PUBLIC_KEYS: parsed(parseJwtPublicKeys),
  /** Auth only: the private JWK (with its kid) that signs session JWTs; its public half must be in JWT_PUBLIC_KEYS. */
  JWT_PRIVATE_KEY: parsed(parseJwtPrivateKey),
  MONGO_URI: z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/, { error: 'must be a mongodb:// or mongodb+srv:// URI' }),
  NATS_URL: z.string().regex(/^(nats|tls|ws|wss):\/\/\S+$/, { error: 'must be a nats:// URL' }),
  /**
   * How many JetStream servers keep a copy of the event streams (the streams' num_replicas): 1 for
   * a single server, 3 for a three-node cluster, which survives losing one. JetStream allows at most
   * 5, and the cluster must have at least as many JetStream servers, or the streams cannot be created.
   */
  NATS_STREAM_REPLICAS: z.coerce
    .number({ error: 'must be an integer from 1 to 5' })
    .int({ error: 'must be an integer from 1 to 5' })
    .min(1, { error: 'must be an integer from 1 to 5' })
    .max(5, { error: 'must be an integer from 1 to 5' })
    .default(1),
  /**
   * The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (the client's address for
   * throttling, https for Secure cookies), as Express's `trust proxy` list: addresses, CIDR ranges
   * or `loopback`, `linklocal`, `uniquelocal`. In Kubernetes, the ingress controller's pod range.
   * `true` is refused: it would believe any peer, so anyone could pose as anyone.
   */
  TRUST_PROXY: z
    .string()
    .default(DEFAULT_TRUST_PROXY)
    .superRefine((value, ctx) => {
      const problem = trustProxyProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
};

/**
 * Reads `env` through the service's schema. Empty variables count as unset (so `FOO=`
 * gets FOO's default or is reported as required). Throws one ConfigError listing
 * every bad variable rather than stopping at the first.
 */
export function loadConfig<Schema extends z.ZodObject>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.output<Schema> {
  const values = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(values);
  if (result.success) return result.data;

  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = issue.path.map(String).join('.');
    if (problems.has(name)) continue;
    problems.set(name, values[name] === undefined ? `${name} is required` : `${name}: ${issue.message}`);
  }
  throw new ConfigError([...problems.values()]);
}

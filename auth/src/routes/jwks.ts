import { publicJwks, type JwtPublicKeys } from '@ticketing/common';
import { Router } from 'express';

/** Auth's public keys as a JWKS, for anyone verifying its sessions: never a private key. */
export function jwksRouter(publicKeys: JwtPublicKeys): Router {
  const router = Router();
  const jwks = publicJwks(publicKeys);

  router.get('/api/users/.well-known/jwks.json', (_req, res) => {
    res.json(jwks);
  });

  return router;
}

/**
 * @module
 * `GET /.well-known/dyi-deployment`: which deployment this server belongs to
 * (`deployment-identity.ts`), for `dyi doctor` to tell that the public URL reaches this
 * deployment and not another one or a proxy's error page. No token: the id tells nothing else.
 */
import type { FastifyInstance } from 'fastify';
import { DEPLOYMENT_ID_PATH } from '../services/deployment-identity.js';

export function registerDeploymentRoute(app: FastifyInstance, deploymentId: string): void {
  app.get(DEPLOYMENT_ID_PATH, async (_request, reply) => {
    await reply.header('cache-control', 'no-store').send({ deployment: deploymentId });
  });
}

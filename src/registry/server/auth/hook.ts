import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { requiredAccess, type RequiredAccess } from './required.js';
import type { AccessController, Grant } from './types.js';

const grants = new WeakMap<FastifyRequest, Grant>();

/**
 * The `onRequest` hook of the API routes when access control is on: it settles access before
 * any handler runs or any body is read, and leaves the caller's grant for the handlers. Being
 * attached to the routes themselves (not matched on the URL), it runs for every request those
 * routes serve, however the path is spelled (a route whose access is fixed, the admin API's,
 * passes `need` so no spelling of its path can change it). `originOf` names this server for the realm
 * (origin.ts): never from the Host header.
 */
export function accessHook(
  controller: AccessController,
  originOf: (request: FastifyRequest) => string,
  need: (method: string, url: string) => RequiredAccess = requiredAccess,
): onRequestAsyncHookHandler {
  return async (request) => {
    const { required, optional } = need(request.method, request.url);
    const grant = await controller.authorize({
      authorization: request.headers.authorization,
      required,
      optional,
      origin: originOf(request),
    });
    grants.set(request, grant);
  };
}

/** The grant the hook left for this request, if it ran. */
export function grantOf(request: FastifyRequest): Grant | undefined {
  return grants.get(request);
}

import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { UpstreamStats } from '../../proxy/types.js';
import { z } from 'zod';
import { StowageError, isStowageError } from '../../../errors/error.js';
import { checkRepositoryName } from '../../../reference/reference.js';
import type { UsageOptions, UsageReport } from '../../usage/index.js';
import { hasBody, readCappedBody } from '../body.js';
import type { GcOverrides, GcRunner } from '../gc-schedule.js';

/**
 * Stowage's own admin API, outside `/v2` (which the distribution spec owns), behind the
 * `registry:admin:*` scope (auth/required.ts, auth/access.ts):
 *
 *   POST /admin/gc                  one garbage collection; 200 with its report (GcReport) once
 *                                   it finishes; 409 GC_RUNNING while another holds the root.
 *                                   Optional JSON body `{"dryRun": bool, "deleteUntagged": bool}`
 *                                   over the configured settings.
 *   GET  /admin/usage[?repository=] space per repository (UsageReport).
 *
 * Errors are the spec's JSON envelope, from http-errors.ts, as everywhere else.
 */
export interface AdminServices {
  /** The server's one collector runner (gc-schedule.ts). */
  gc: Pick<GcRunner, 'run'>;
  /** computeUsage over the server's storage (src/registry/usage). */
  usage: (options: UsageOptions) => Promise<UsageReport>;
  /** The pull-through cache's upstreams: counters, stale serves, Docker Hub's rate-limit figures (none without proxies). */
  cache: () => { upstreams: UpstreamStats[] };
}

export interface AdminRouteOptions {
  services: AdminServices;
  /** distribution's read-only mode: nothing is deleted, so POST /admin/gc is 405 UNSUPPORTED. */
  readOnly: boolean;
  /** The access hook demanding `registry:admin:*`; absent on a registry without access control. */
  onRequest?: onRequestAsyncHookHandler;
  methods: readonly string[];
}

/** A body this small holds every override there is. */
const MAX_BODY_BYTES = 4096;

const OverridesSchema = z.strictObject({ dryRun: z.boolean().optional(), deleteUntagged: z.boolean().optional() });

export function registerAdminRoutes(app: FastifyInstance, options: AdminRouteOptions): void {
  const { services, readOnly } = options;
  const hooks = options.onRequest ? { onRequest: options.onRequest } : {};
  const route = (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): void =>
    void app.route({ method: [...options.methods], url, handler, ...hooks });

  route('/admin/gc', async (request, reply) => {
    if (request.method !== 'POST') throw new StowageError('UNSUPPORTED', `${request.method} is not supported on this endpoint`);
    if (readOnly) throw new StowageError('UNSUPPORTED', 'the registry is in read-only mode: it collects nothing');
    const overrides = await readOverrides(request);
    const report = await services.gc.run('admin', overrides);
    return sendJson(reply, report);
  });

  route('/admin/usage', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new StowageError('UNSUPPORTED', `${request.method} is not supported on this endpoint`);
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const repository = query.get('repository');
    if (repository !== null) checkRepositoryName(repository);
    const report = await services.usage(repository !== null ? { repository } : {});
    return sendJson(reply, report);
  });

  route('/admin/cache', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new StowageError('UNSUPPORTED', `${request.method} is not supported on this endpoint`);
    return sendJson(reply, services.cache());
  });
}

/** POST /admin/gc's optional body: JSON, every field optional; anything else is 400. */
async function readOverrides(request: FastifyRequest): Promise<GcOverrides> {
  if (!hasBody(request.raw)) return {};
  let text: string;
  try {
    text = (await readCappedBody(request.raw, MAX_BODY_BYTES)).toString('utf8');
  } catch (err) {
    if (isStowageError(err, 'MANIFEST_TOO_LARGE')) throw new StowageError('REQUEST_INVALID', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    throw err;
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StowageError('REQUEST_INVALID', 'the body is not JSON: expected {"dryRun": true|false, "deleteUntagged": true|false}');
  }
  const parsed = OverridesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new StowageError('REQUEST_INVALID', `${at}${issue?.message ?? 'invalid body'} (expected {"dryRun": true|false, "deleteUntagged": true|false})`);
  }
  const out: GcOverrides = {};
  if (parsed.data.dryRun !== undefined) out.dryRun = parsed.data.dryRun;
  if (parsed.data.deleteUntagged !== undefined) out.deleteUntagged = parsed.data.deleteUntagged;
  return out;
}

function sendJson(reply: FastifyReply, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  // HEAD: the headers GET would send, no body.
  reply.code(200).header('Content-Type', 'application/json; charset=utf-8').header('Content-Length', body.length);
  void (reply.request.method === 'HEAD' ? reply.send() : reply.send(body));
}

import { readFile } from 'node:fs/promises';
import { StowageError } from '../errors/error.js';
import { serverLogger, type LogSink } from '../registry/server/log-format.js';
import type { RegistryOptions } from '../registry/server/registry.js';
import type { ServeConfig } from './serve-config.js';

/** The Registry `stowage serve` runs, from its resolved config: TLS files read, logs to `logStream` as log.formatter says. */
export async function registryOptions(config: ServeConfig, logStream: LogSink): Promise<RegistryOptions> {
  return {
    storage: config.storage,
    host: config.host,
    port: config.port,
    policy: {
      deleteEnabled: config.deleteEnabled,
      maxManifestBytes: config.maxManifestBytes,
      maxCatalogEntries: config.maxCatalogEntries,
      automaticCrossMount: config.automaticCrossMount,
      redirect: config.redirect,
    },
    readOnly: config.readOnly,
    ...(config.tls ? { tls: await readTls(config.tls) } : {}),
    http2: config.http2,
    limits: config.limits,
    origin: config.origin,
    ...(config.headers ? { headers: config.headers } : {}),
    ...(config.auth ? { auth: config.auth } : {}),
    ...(config.uploadPurging ? { uploadPurging: config.uploadPurging } : {}),
    gc: config.gc,
    ...(config.quotas ? { quotas: config.quotas } : {}),
    ...(config.proxy ? { proxy: config.proxy } : {}),
    ...(config.database ? { database: config.database } : {}),
    drainTimeoutSeconds: config.drainTimeoutSeconds,
    logger: serverLogger({
      level: config.logLevel,
      formatter: config.logFormatter,
      stream: logStream,
      ...(config.logFields ? { fields: config.logFields } : {}),
    }),
    logRequests: config.logRequests,
    ...(config.debug ? { debug: config.debug } : {}),
    ...(config.health ? { health: config.health } : {}),
    ...(config.notifications ? { notifications: config.notifications } : {}),
  };
}

async function readTls(tls: { certificate: string; key: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (what: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `cannot read TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: await read('certificate', tls.certificate), key: await read('key', tls.key) };
}

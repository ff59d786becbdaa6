import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { StowageError } from '../../errors/error.js';
import { Notifier, type NotificationSettings } from '../notify/index.js';
import type { StorageDriver } from '../../storage/driver.js';
import { describeDriver, openDriver, type DriverConfig } from '../../storage/drivers.js';
import type { DatabaseOptions } from '../../database/options.js';
import type { RegistryDatabase } from '../../database/metadata.js';
import { collectCoordinated } from '../gc/index.js';
import { attachUseLedger } from '../store/use-ledger.js';
import { ProxyCache } from '../proxy/cache.js';
import { cacheGcOptions } from '../proxy/expiry.js';
import type { ProxySettings } from '../proxy/types.js';
import { RegistryStore } from '../store/registry.js';
import { QuotaGuard } from '../usage/quota.js';
import type { QuotaRule } from '../usage/quota-rules.js';
import { compileGlob } from './auth/glob.js';
import { createAccessController, type AuthSettings } from './auth/build.js';
import type { OriginSettings } from './auth/origin.js';
import type { RegistryPolicy } from './context.js';
import { resolveLimits, type RegistryLimits } from './limits.js';
import { GcRunner, type Collect, type GcConfig } from './gc-schedule.js';
import { purgeAge, scheduleMaintenance, type UploadPurging } from './maintenance.js';
import { RegistryMetrics, instrumentDriver } from '../metrics/index.js';
import { startDebugServer, type DebugServer, type DebugSettings } from './debug-server.js';
import { createRegistryServer } from './server.js';
import { HealthMonitor, createHealthChecks, type HealthSettings } from '../health/index.js';

/** What a Registry serves, and how. Everything but `storage` has the default `stowage serve` has without a config file. */
export interface RegistryOptions {
  /** Where its data lives: a driver, or one the factory opens (`{ kind: 'filesystem', rootDirectory }`, `{ kind: 'inmemory' }`). */
  storage: StorageDriver | DriverConfig;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 5000; 0 for any free one, see the address `start` returns). */
  port?: number;
  /** Deletes, manifest and catalog page sizes, automatic cross-mount (server.ts DEFAULT_POLICY). */
  policy?: Partial<RegistryPolicy>;
  /** distribution's storage.maintenance.readonly: reads only, every write 405 UNSUPPORTED, nothing purged. */
  readOnly?: boolean;
  /** PEM certificate and key: HTTPS, and HTTP/2 to clients that offer it unless `http2` is false. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Offer HTTP/2 with TLS (default true). */
  http2?: boolean;
  /** Resource limits (limits.ts); each one not given keeps its default. */
  limits?: Partial<RegistryLimits>;
  /** How the server names itself in URLs it sends, and which proxies it believes (auth/origin.ts). */
  origin?: OriginSettings;
  /** distribution's http.headers: added to every response. */
  headers?: Record<string, string[]>;
  /** Access control (htpasswd, or tokens with the built-in issuer, plus `access` rules); absent: open to anyone. */
  auth?: AuthSettings;
  /** Purge abandoned uploads (distribution's uploadpurging); absent: never purged. */
  uploadPurging?: UploadPurging;
  /**
   * Garbage collection (src/registry/gc): the settings POST /admin/gc runs with, and with
   * `intervalMs` a run every interval (the first one interval after start). Absent: default
   * settings, no schedule. Never in read-only mode.
   */
  gc?: GcConfig;
  /** Bytes per repository, first matching rule (usage/quota-rules.ts): a push over it is 403 DENIED. Absent: no quotas. */
  quotas?: QuotaRule[];
  /**
   * A pull-through cache of upstream registries (src/registry/proxy): one with no `host` makes
   * the whole registry a cache of it (distribution's `proxy:`); with hosts, `<host>/…` names
   * (and `?ns=`, and unprefixed names for the default) are cached beside hosted repositories.
   */
  proxy?: ProxySettings;
  /**
   * The metadata index several replicas share (PostgreSQL, src/database): the catalog and tag
   * lists come from it. Checked against the storage at start (attach.ts). Absent: none.
   */
  database?: DatabaseOptions;
  /** Seconds in-flight requests get to finish on `shutdown` (default 30). */
  drainTimeoutSeconds?: number;
  /** pino logger options, or false for silence (the default). */
  logger?: FastifyServerOptions['logger'];
  /** An access log line per request, distribution's fields (request-log.ts; default off). Failures are logged either way. */
  logRequests?: boolean;
  /**
   * distribution's debug listener (`http.debug`): `/debug/health`, `/livez`, `/readyz`, and
   * Prometheus metrics at `prometheus.path` when given (debug-server.ts). Absent: none, and
   * nothing is measured.
   */
  debug?: DebugSettings;
  /**
   * distribution's health checks (src/registry/health): while one fails, `GET /v2/` answers 503
   * with the failing checks, as do `/debug/health` and `/readyz`. Absent: none.
   */
  health?: HealthSettings;
  /**
   * distribution's webhooks (src/registry/notify): push, pull, mount and delete events in its
   * envelope, queued on disk per endpoint under `queueDirectory` (one process per directory)
   * and delivered at least once, in order. Absent: none.
   */
  notifications?: NotificationSettings;
}

/** Where a started Registry listens. */
export interface RegistryAddress {
  /** `http://127.0.0.1:5000`: the configured host, the bound port. */
  url: string;
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** What `start` returns: the address, and one line each on storage and access control. */
export interface RegistryStarted extends RegistryAddress {
  storage: string;
  access: string;
  /** Where the debug listener is (`http://127.0.0.1:5001`), when configured. */
  debug?: string;
  /** With a database: where it is, what it holds, what the start repaired. */
  database?: string;
}

/** What `shutdown` reports. */
export interface RegistryStopped {
  /** Every in-flight request finished within drainTimeoutSeconds (otherwise the rest were cut). */
  drained: boolean;
}

const DEFAULT_DRAIN_SECONDS = 30;

interface Prepared {
  app: FastifyInstance;
  store: RegistryStore;
  gc: GcRunner;
  proxy: ProxyCache | undefined;
  storage: string;
  access: string;
  database: RegistryDatabase | undefined;
  databaseLine: string | undefined;
  metrics: RegistryMetrics | undefined;
  health: HealthMonitor | undefined;
  notifier: Notifier | undefined;
  /** This instance as events name it; its `addr` is completed once the port is bound. */
  source: { addr: string; instanceID: string };
  releaseQueue: (() => Promise<void>) | undefined;
}

/**
 * A registry server (OCI distribution v1.1) as one object: options → `start()` →
 * `shutdown()`. `stowage serve` is this object behind a config file; a Node program embeds it
 * the same way, and `await using` closes it.
 *
 *   await using registry = new Registry({ storage: { kind: 'inmemory' }, port: 0 });
 *   const { url } = await registry.start();
 *
 * `prepare()` builds everything but the listener: `(await registry.prepare()).inject(...)`
 * answers requests without a socket.
 */
export class Registry implements AsyncDisposable {
  private prepared: Promise<Prepared> | undefined;
  private stopping: Promise<RegistryStopped> | undefined;
  private stopMaintenance: (() => void) | undefined;
  private debugServer: DebugServer | undefined;

  constructor(readonly options: RegistryOptions) {}

  /** Opens the storage and access control and builds the HTTP app, once; nothing listens yet. */
  async prepare(): Promise<FastifyInstance> {
    this.prepared ??= this.build();
    return (await this.prepared).app;
  }

  /** The store the server serves (after `prepare` or `start`). */
  async store(): Promise<RegistryStore> {
    await this.prepare();
    return (await this.prepared!).store;
  }

  /** Listens, then starts background maintenance (leftover sweep, upload purge, scheduled GC) unless read-only. */
  async start(): Promise<RegistryStarted> {
    await this.prepare();
    const { app, store, gc, storage, access, databaseLine, metrics, health, notifier, source } = await this.prepared!;
    const options = this.options;
    const host = options.host ?? '127.0.0.1';
    // Events of the first requests are queued behind what a previous process left undelivered.
    await notifier?.start();
    await app.listen({ host, port: options.port ?? 5000 });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : (options.port ?? 5000);
    source.addr = `${hostname()}:${port}`;
    const scheme = options.tls ? 'https' : 'http';
    // Read-only: another process (distribution's garbage collector) may own the root; nothing is deleted.
    if (!options.readOnly) {
      const purging = options.uploadPurging && purgeAge(options.uploadPurging, resolveLimits(options.limits).uploadSessionTtlMs);
      this.stopMaintenance = scheduleMaintenance(app.log, store, purging);
      if (options.gc?.intervalMs !== undefined) gc.schedule(options.gc.intervalMs);
    }
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    health?.start();
    if (options.debug) this.debugServer = await this.startDebug(options.debug, metrics, health);
    return {
      url,
      scheme,
      host,
      port,
      storage,
      access,
      ...(databaseLine ? { database: databaseLine } : {}),
      ...(this.debugServer ? { debug: this.debugServer.url } : {}),
    };
  }

  private startDebug(settings: DebugSettings, metrics: RegistryMetrics | undefined, health: HealthMonitor | undefined): Promise<DebugServer> {
    return startDebugServer({
      host: settings.host,
      port: settings.port,
      ...(health ? { health } : {}),
      ...(metrics && settings.prometheus ? { metrics: { registry: metrics, path: settings.prometheus.path } } : {}),
      notReady: () => (this.stopping ? 'draining: the registry is shutting down' : undefined),
    });
  }

  /**
   * Stops accepting connections and lets in-flight requests finish, for up to
   * drainTimeoutSeconds; past that, the connections left are closed (unfinished uploads live
   * under _uploads, never under a digest). Once is enough: later calls return the same result.
   */
  shutdown(): Promise<RegistryStopped> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  private async build(): Promise<Prepared> {
    const options = this.options;
    const metrics = options.debug?.prometheus ? await RegistryMetrics.create() : undefined;
    const opened = isDriver(options.storage) ? options.storage : await openDriver(options.storage);
    // Instrumented before anything keys state on the driver (the use ledger's WeakMap).
    const driver = metrics ? instrumentDriver(opened, metrics) : opened;
    const storage = isDriver(options.storage) ? `${options.storage.name} driver` : describeDriver(options.storage);
    const attached = options.database ? await openDatabase(options.database, driver, storage) : undefined;
    const database = attached?.database;
    // On an object store, uses of blobs and links are rows: garbage collection's evidence (store/use-ledger.ts).
    if (database && driver.touchCopies) attachUseLedger(driver, database.uses);
    const store = new RegistryStore({
      driver,
      ...(options.quotas?.length ? { quota: quotaGuard(driver, options.quotas) } : {}),
      ...(database ? { metadata: database } : {}),
    });
    // The notifier's lines go to the server's log once it exists.
    let logTarget: NotifierLogTarget | undefined;
    const logTo = (level: 'info' | 'warn' | 'error', args: [object | string, string?]): void => {
      const [fields, message] = args;
      if (typeof fields === 'string') logTarget?.[level](fields);
      else logTarget?.[level](fields, message);
    };
    // Runtime auth problems (an htpasswd file gone bad) go to the server's log once it exists.
    let logError = (message: string): void => void process.stderr.write(`stowage: ${message}\n`);
    const proxy = options.proxy ? new ProxyCache(store, options.proxy) : undefined;
    const gc = new GcRunner({
      driver,
      ...(options.gc ? { settings: options.gc.options } : {}),
      ...cacheGcOptions(options.proxy),
      ...(database ? { collect: collectUnderLease(database) } : {}),
      ...(metrics ? { onRun: (trigger, outcome) => metrics.gcFinished(trigger, outcome) } : {}),
    });
    if (metrics && proxy) metrics.observeUpstreams(() => proxy.stats());
    const health = options.health ? new HealthMonitor(createHealthChecks(options.health, driver, { readOnly: options.readOnly === true })) : undefined;
    const source = { addr: hostname(), instanceID: randomUUID() };
    const notifications = options.notifications;
    const releaseQueue = notifications ? await holdQueueDirectory(notifications.queueDirectory) : undefined;
    const notifier = notifications
      ? new Notifier({
          endpoints: notifications.endpoints,
          queueDirectory: notifications.queueDirectory,
          log: { info: (...a) => logTo('info', a), warn: (...a) => logTo('warn', a), error: (...a) => logTo('error', a) },
          ...(metrics ? { metrics: metrics.notifications } : {}),
        })
      : undefined;
    const setup = options.auth ? await createAccessController(options.auth, { storage: driver, onError: (message) => logError(message) }) : undefined;
    const app = createRegistryServer({
      store,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.logRequests !== undefined ? { logRequests: options.logRequests } : {}),
      ...(options.tls ? { tls: { cert: Buffer.from(options.tls.cert), key: Buffer.from(options.tls.key) } } : {}),
      ...(options.http2 !== undefined ? { http2: options.http2 } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
      ...(setup ? { auth: setup.controller } : {}),
      admin: { gc },
      ...(proxy ? { proxy } : {}),
      ...(metrics ? { metrics } : {}),
      ...(health ? { health } : {}),
      ...(notifier && notifications ? { events: { publisher: notifier, source, includeReferences: notifications.includeReferences } } : {}),
    });
    logError = (message) => app.log.error(message);
    gc.log = app.log;
    if (proxy) proxy.log = app.log;
    const access = setup ? setup.description : 'none (anyone may pull, push and delete)';
    if (health) health.log = app.log;
    logTarget = app.log;
    return { app, store, gc, proxy, storage, access, database, databaseLine: attached?.line, metrics, health, notifier, source, releaseQueue };
  }

  private async close(): Promise<RegistryStopped> {
    this.stopMaintenance?.();
    // A start that failed (a refused database, an unreadable root) left nothing to close.
    const prepared = await this.prepared?.catch(() => undefined);
    if (!prepared) return { drained: true };
    const { app, gc, proxy, database, health, notifier, releaseQueue } = prepared;
    // A collection in progress is asked to stop at its next safe point, within the drain deadline.
    const collected = gc.stop();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), (this.options.drainTimeoutSeconds ?? DEFAULT_DRAIN_SECONDS) * 1000);
    });
    const drained = await Promise.race([Promise.all([app.close(), collected]).then(() => true as const), deadline]);
    clearTimeout(timer);
    await proxy?.close();
    // After the drain: the events of the requests it let finish are queued, then kept for the next start.
    await notifier?.close();
    await releaseQueue?.();
    await database?.pool.end().catch(() => undefined);
    // Last: until the drain is over, /readyz says "draining" to whoever balances the traffic.
    await this.debugServer?.close();
    health?.stop();
    // Node's HTTP/1 servers can cut what is left; HTTP/2 sessions were already sent GOAWAY (transport.ts).
    if (!drained) (app.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    return { drained };
  }
}

/** The database beside the storage (loaded only when configured: pg stays out of every other path), and its start-up line. */
async function openDatabase(options: DatabaseOptions, driver: StorageDriver, storage: string): Promise<{ database: RegistryDatabase; line: string }> {
  const { attachDatabase, describeDsn } = await import('../../database/index.js');
  const attached = await attachDatabase(options, driver, storage);
  const repaired = attached.repaired.length ? `; repaired ${attached.repaired.length} cut short (${attached.repaired.slice(0, 5).join(', ')})` : '';
  return { database: attached.database, line: `${describeDsn(options.dsn)} (${attached.repositories} repositories${repaired})` };
}

/** With a database: one replica at a time collects (its lease), and the rows follow what the collector removed (gc/coordinated.ts). */
function collectUnderLease(database: RegistryDatabase): Collect {
  return (driver, options) => collectCoordinated(database, driver, options);
}

type NotifierLogTarget = Record<'info' | 'warn' | 'error', (fields: object | string, message?: string) => void>;

/**
 * One process per queue directory: two appending to the same queue would interleave and
 * deliver each other's events twice. A second one is refused at start, naming the holder.
 * Hand-written rather than proper-lockfile's: its lock goes stale only after its timeout, which
 * would keep a replica that crashed from restarting for that long; a pid on this host is known
 * dead at once (and a container's restarted process, pid 1 again, is the holder itself).
 */
async function holdQueueDirectory(directory: string): Promise<() => Promise<void>> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'owner');
  const me = `${process.pid} ${hostname()}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, me, { flag: 'wx' });
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const [pid, host] = (await readFile(path, 'utf8').catch(() => '')).split(' ');
    if (host === hostname() && Number(pid) !== process.pid && alive(Number(pid))) {
      throw new StowageError('CONFIG_INVALID', `notifications.queuedirectory ${directory} is in use by process ${pid} (each replica needs its own)`);
    }
    if (host !== undefined && host !== '' && host !== hostname()) {
      throw new StowageError(
        'CONFIG_INVALID',
        `notifications.queuedirectory ${directory} is in use by a process on ${host} (each replica needs its own; remove ${path} if it is gone)`,
      );
    }
    await rm(path, { force: true });
  }
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function quotaGuard(driver: StorageDriver, rules: QuotaRule[]): QuotaGuard {
  return new QuotaGuard(
    driver,
    rules.map((rule) => ({ rule, patterns: rule.repositories.map((pattern) => ({ pattern, matches: compileGlob(pattern) })) })),
  );
}

function isDriver(storage: StorageDriver | DriverConfig): storage is StorageDriver {
  return typeof (storage as Partial<StorageDriver>).getContent === 'function';
}

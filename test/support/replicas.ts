/**
 * Registry objects started in-process as replicas of one storage and one database, each with
 * a client; `closeReplicas()` (in a suite's `after`) closes every one this process started.
 */
import { Registry, type RegistryOptions } from '../../src/registry/server/registry.js';
import { HttpClient } from './http.js';

export interface Replica {
  registry: Registry;
  client: HttpClient;
  started: Awaited<ReturnType<Registry['start']>>;
}

const open: Replica[] = [];

export async function startReplica(storage: RegistryOptions['storage'], dsn: string, more: Partial<RegistryOptions> = {}): Promise<Replica> {
  const registry = new Registry({ storage, port: 0, database: { dsn }, ...more });
  const started = await registry.start();
  const replica = { registry, client: new HttpClient(started.url), started };
  open.push(replica);
  return replica;
}

export async function closeReplicas(): Promise<void> {
  for (const { registry, client } of open.splice(0)) {
    await client.close();
    await registry.shutdown();
  }
}

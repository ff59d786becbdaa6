import type { Pool, PoolClient } from 'pg';
import { readLink, fileExists } from '../registry/store/links.js';
import type { GcCoordinator } from '../registry/gc/coordinated.js';
import type { MetadataChange, MetadataHook } from '../registry/store/metadata-hook.js';
import { revisionLinkPath, tagCurrentLinkPath } from '../registry/store/paths.js';
import type { StorageDriver } from '../storage/driver.js';
import { StowageError } from '../errors/error.js';
import { acquireLease, type Lease } from './lease.js';
import { transaction } from './pool.js';
import { UsesTable } from './uses.js';
import { readRepository, type RepositorySnapshot } from './snapshot.js';

/** PostgreSQL's foreign_key_violation: a tag whose manifest has no row (the database fell behind). */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The metadata index of one storage in PostgreSQL (schema: migrations.ts). Every change is
 * recorded after the storage write, under a per-repository lock, by reading back what the
 * storage now says (a tag's `current/link`, a revision link) rather than what this replica
 * wrote: when two replicas write the same tag at once, the last row written is the storage's
 * last word, whichever order the two writes and the two transactions came in.
 */
export class RegistryDatabase implements MetadataHook, GcCoordinator {
  /** Uses of blobs and links, for storage that cannot keep them as file times (uses.ts). */
  readonly uses: UsesTable;

  constructor(
    readonly pool: Pool,
    private readonly driver: StorageDriver,
  ) {
    this.uses = new UsesTable(pool);
  }

  async repositories(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM repositories ORDER BY name');
    return rows.map((row) => row.name);
  }

  async tags(repository: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ tag: string }>('SELECT tag FROM tags WHERE repository = $1 ORDER BY tag', [repository]);
    return rows.map((row) => row.tag);
  }

  async tagDigest(repository: string, tag: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ digest: string }>('SELECT digest FROM tags WHERE repository = $1 AND tag = $2', [repository, tag]);
    return rows[0]?.digest;
  }

  async record<T>(repository: string, write: () => Promise<T>, change: MetadataChange): Promise<T> {
    const mark = await this.markChanging(repository);
    let result: T;
    try {
      result = await write();
    } catch (err) {
      // Part of the write may have landed: the repository is read again (or, failing that, at the next start).
      await this.resync(repository, mark).catch(() => undefined);
      throw err;
    }
    try {
      await transaction(this.pool, async (client) => {
        await lockRepository(client, repository);
        await this.apply(client, repository, change);
        await client.query('DELETE FROM changing WHERE id = $1', [mark]);
      });
    } catch (err) {
      if ((err as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw err;
      await this.resync(repository, mark);
    }
    return result;
  }

  /**
   * Makes the repository's rows what its storage holds (a repair, or an import), and clears
   * the changing mark `mark` if given. Storage is read under the repository's lock, so a
   * change recorded meanwhile by another replica comes before or after it, never inside.
   */
  async resync(repository: string, mark?: string): Promise<RepositorySnapshot> {
    return transaction(this.pool, async (client) => {
      await lockRepository(client, repository);
      const snapshot = await readRepository(this.driver, repository);
      await replaceRepository(client, repository, snapshot);
      if (mark !== undefined) await client.query('DELETE FROM changing WHERE id = $1', [mark]);
      return snapshot;
    });
  }

  /** Garbage collection's lease: one replica of this database at a time (lease.ts). */
  gcLease(): Promise<Lease> {
    return acquireLease(
      this.pool,
      'gc',
      (holder, since) =>
        new StowageError('GC_RUNNING', `another garbage collection is running on a replica of this database (${holder}, since ${since.toISOString()})`),
    );
  }

  private async markChanging(repository: string): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>('INSERT INTO changing (repository) VALUES ($1) RETURNING id', [repository]);
    return rows[0]!.id;
  }

  /** One change, as the storage now has it. */
  private async apply(client: PoolClient, repository: string, change: MetadataChange): Promise<void> {
    switch (change.kind) {
      case 'manifest':
      case 'unmanifest': {
        const digest = change.digest;
        if (!(await fileExists(this.driver, revisionLinkPath(repository, digest)))) {
          await client.query('DELETE FROM manifests WHERE repository = $1 AND digest = $2', [repository, digest.toString()]);
          return;
        }
        if (change.kind === 'unmanifest') {
          // Pushed again meanwhile: its row needs what the manifest says.
          const snapshot = await readRepository(this.driver, repository);
          await replaceRepository(client, repository, snapshot);
          return;
        }
        await client.query('INSERT INTO repositories (name) VALUES ($1) ON CONFLICT DO NOTHING', [repository]);
        await client.query(
          `INSERT INTO manifests (repository, digest, media_type, size, subject, refs) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (repository, digest) DO UPDATE SET pushed_at = now()`,
          [repository, digest.toString(), change.mediaType, change.size, change.subject?.toString() ?? null, change.references],
        );
        return;
      }
      case 'tag':
      case 'untag': {
        const target = await readLink(this.driver, tagCurrentLinkPath(repository, change.tag));
        if (!target) {
          await client.query('DELETE FROM tags WHERE repository = $1 AND tag = $2', [repository, change.tag]);
          return;
        }
        await client.query(
          `INSERT INTO tags (repository, tag, digest) VALUES ($1, $2, $3)
           ON CONFLICT (repository, tag) DO UPDATE SET digest = EXCLUDED.digest, updated_at = now()`,
          [repository, change.tag, target.toString()],
        );
        return;
      }
    }
  }
}

/** Serialises the changes and re-reads of one repository across replicas, until the transaction ends. */
async function lockRepository(client: PoolClient, repository: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [repository]);
}

/** The rows of one repository replaced by a snapshot of its storage (inside the caller's transaction). */
export async function replaceRepository(client: PoolClient, repository: string, snapshot: RepositorySnapshot): Promise<void> {
  if (!snapshot.exists) {
    await client.query('DELETE FROM tags WHERE repository = $1', [repository]);
    await client.query('DELETE FROM manifests WHERE repository = $1', [repository]);
    await client.query('DELETE FROM repositories WHERE name = $1', [repository]);
    return;
  }
  await client.query('INSERT INTO repositories (name) VALUES ($1) ON CONFLICT DO NOTHING', [repository]);
  const digests = snapshot.manifests.map((m) => m.digest);
  await client.query('DELETE FROM manifests WHERE repository = $1 AND NOT (digest = ANY($2::text[]))', [repository, digests]);
  if (snapshot.manifests.length > 0) {
    await client.query(
      `INSERT INTO manifests (repository, digest, media_type, size, subject, refs)
       SELECT $1, m.digest, m.media_type, m.size, m.subject, ARRAY(SELECT json_array_elements_text(m.refs))
       FROM json_to_recordset($2::json) AS m(digest text, media_type text, size bigint, subject text, refs json)
       ON CONFLICT (repository, digest) DO UPDATE SET media_type = EXCLUDED.media_type, size = EXCLUDED.size, subject = EXCLUDED.subject, refs = EXCLUDED.refs`,
      [
        repository,
        JSON.stringify(snapshot.manifests.map((m) => ({ digest: m.digest, media_type: m.mediaType, size: m.size, subject: m.subject, refs: m.references }))),
      ],
    );
  }
  const tags = snapshot.tags.map((t) => t.tag);
  await client.query('DELETE FROM tags WHERE repository = $1 AND NOT (tag = ANY($2::text[]))', [repository, tags]);
  if (tags.length > 0) {
    await client.query(
      `INSERT INTO tags (repository, tag, digest)
       SELECT $1, t.tag, t.digest FROM json_to_recordset($2::json) AS t(tag text, digest text)
       ON CONFLICT (repository, tag) DO UPDATE SET digest = EXCLUDED.digest
       WHERE tags.digest IS DISTINCT FROM EXCLUDED.digest`,
      [repository, JSON.stringify(snapshot.tags)],
    );
  }
}

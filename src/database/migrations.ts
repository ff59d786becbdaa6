import type { PoolClient } from 'pg';
import { StowageError } from '../errors/error.js';

/**
 * The schema, as numbered steps applied in order at start (`applyMigrations`), each in its own
 * transaction. A step is never edited once released: a change is a new step. The database
 * is an index of the storage, which stays authoritative and readable by distribution: every
 * row here can be rebuilt from the bucket (`stowage registry db import`).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: repositories, their manifests (with what each references) and tags; the storage the
  // database describes; repositories being changed (a crash between the storage write and
  // the row leaves one here, repaired at the next start); an import's progress.
  `
  CREATE TABLE stowage_binding (
    id integer PRIMARY KEY CHECK (id = 1),
    storage_id text NOT NULL,
    storage text NOT NULL,
    import_state text NOT NULL CHECK (import_state IN ('importing', 'complete')),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE repositories (
    name text PRIMARY KEY COLLATE "C",
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE manifests (
    repository text NOT NULL COLLATE "C" REFERENCES repositories (name) ON DELETE CASCADE,
    digest text NOT NULL,
    media_type text NOT NULL,
    size bigint NOT NULL,
    subject text,
    refs text[] NOT NULL,
    pushed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, digest)
  );
  CREATE INDEX manifests_subject ON manifests (repository, subject) WHERE subject IS NOT NULL;
  CREATE TABLE tags (
    repository text NOT NULL COLLATE "C",
    tag text NOT NULL COLLATE "C",
    digest text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository, tag),
    FOREIGN KEY (repository, digest) REFERENCES manifests (repository, digest) ON DELETE CASCADE
  );
  CREATE INDEX tags_digest ON tags (repository, digest);
  CREATE TABLE changing (
    id bigserial PRIMARY KEY,
    repository text NOT NULL COLLATE "C",
    since timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE import_done (
    repository text PRIMARY KEY COLLATE "C"
  );
  `,
  // 2: leases, so that one replica at a time runs a job (garbage collection) and a holder that
  // died is replaced once its lease expires, by the database's clock.
  `
  CREATE TABLE leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    token text NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  );
  `,
  // 3: uses of blobs and links on storage that cannot keep them as file times (an object
  // store): garbage collection's evidence there (src/database/uses.ts).
  `
  CREATE TABLE uses (
    path text PRIMARY KEY COLLATE "C",
    used_at timestamptz NOT NULL
  );
  `,
];

/** Any number: the advisory lock replicas starting at once take, so one applies the steps and the others wait. */
const MIGRATION_LOCK = 0x5354_4f57;

/**
 * Brings the schema up to date: each step not yet applied, in order, under a lock (replicas
 * starting together). A database already past what this version knows is refused: its
 * newer rows could mean things this code would get wrong.
 */
export async function applyMigrations(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS stowage_schema (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM stowage_schema');
    const from = rows[0]?.version ?? 0;
    if (from > MIGRATIONS.length) {
      throw new StowageError(
        'CONFIG_INVALID',
        `database: its schema is version ${from}, newer than this Stowage knows (${MIGRATIONS.length}): run the Stowage that migrated it`,
      );
    }
    for (let version = from + 1; version <= MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO stowage_schema (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from, to: MIGRATIONS.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

/** `database:` in a config file: where the metadata of several replicas is kept (PostgreSQL). */
export interface DatabaseOptions {
  /** A libpq connection URI: `postgres://user:password@host:port/dbname?sslmode=…`. */
  dsn: string;
  /** Connections kept open at most (default 10): distribution's GitLab fork calls it `pool.maxopen`. */
  maxConnections?: number;
}

/** The DSN without its password, for start-up lines and errors. */
export function describeDsn(dsn: string): string {
  try {
    const url = new URL(dsn);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres (an unparsable DSN)';
  }
}

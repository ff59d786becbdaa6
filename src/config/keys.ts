import { z } from 'zod';
import { RetentionRuleSchema } from '../registry/gc/retention-rules.js';
import { AccessRuleSchema, GroupsSchema } from '../registry/server/auth/access.js';
import { QuotaRuleSchema } from '../registry/usage/quota-rules.js';
import { LOG_FORMATTERS } from '../registry/server/log-format.js';
import { HealthSchema } from './health-config.js';
import { NotificationsSchema } from './notifications-config.js';
import { ProxyEntrySchema } from './proxy-config.js';
import { accept, field, isEmpty, judged, refuse, section, text, warn, yaml, type Infer, type Verdict } from './key-table.js';
import { DRIVER_KEYS, unregisteredDriverKeys } from './storage-keys.js';

/**
 * Every key `stowage serve` reads from a distribution-style config.yml, in one table: what
 * Stowage implements (a schema per value), and every key of distribution's (2.8 and 3.x) it
 * does not, with what becomes of it (key-table.ts: accepted, warned about, or refused). A
 * key in no row is a typo and stops the server, naming its path.
 *
 * To add a key: one row here (its schema; `text` or `yaml` for its REGISTRY_* form), then read
 * it in resolve.ts. Its REGISTRY_* variable follows from its path (environment.ts).
 */

const Text = z.union([z.string().min(1), z.number().transform(String)]);
const Flag = z.boolean();
const Duration = z.union([z.string(), z.number()]);
const Count = z.union([z.number(), z.string()]);
const Texts = z.array(z.string().min(1));
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
const LogLevel = z
  .string()
  .transform((level) => level.toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }));
const HeaderName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HeaderValue = z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot hold CR, LF or NUL');
/** Go's http.Header, as distribution reads `http.headers`: a name to a list of values (or one). */
const Headers = z.record(z.string(), z.union([HeaderValue.transform((v) => [v]), z.array(HeaderValue).min(1)])).superRefine((headers, ctx) => {
  const bad = Object.keys(headers).find((name) => !HeaderName.test(name));
  if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `"${bad.slice(0, 60)}" is not a header name` });
});

const verdict = (v: Verdict['verdict'], why: string): Verdict => ({ verdict: v, why }) as Verdict;

export const KEYS = section({
  version: yaml(z.union([z.literal('0.1'), z.literal(0.1)], { error: 'only version 0.1 exists' })),
  // distribution's deprecated spelling of log.level.
  loglevel: text(LogLevel),
  log: section({
    level: text(LogLevel),
    fields: yaml(z.record(z.string(), z.unknown())),
    accesslog: section({ disabled: yaml(Flag) }),
    formatter: text(z.enum(LOG_FORMATTERS, { error: `expected one of ${LOG_FORMATTERS.join(', ')}` })),
    hooks: warn('log hooks (mail on error) are not implemented'),
    reportcaller: warn('caller reporting is not implemented'),
  }),
  storage: section({
    // One section per registered driver (src/storage/drivers.ts), built from its definition.
    ...DRIVER_KEYS,
    delete: section({ enabled: yaml(Flag) }),
    // Stowage's own: bytes per repository, first matching rule (src/registry/usage/quota-rules.ts).
    quotas: yaml(z.array(QuotaRuleSchema).nullable()),
    maintenance: section({
      uploadpurging: section({
        enabled: yaml(Flag),
        age: text(Duration),
        interval: text(Duration),
        dryrun: yaml(Flag),
      }),
      readonly: section({ enabled: yaml(Flag) }),
      // Stowage's own: garbage collection and tag retention (src/registry/gc; gc-config.ts resolves them).
      gc: section({
        enabled: yaml(Flag),
        interval: text(Duration),
        grace: text(Duration),
        dryrun: yaml(Flag),
        untagged: section({ delete: yaml(Flag), age: text(Duration) }),
      }),
      retention: yaml(z.array(RetentionRuleSchema).nullable()),
    }),
    cache: warn('no blob descriptor cache is implemented: descriptors are read from storage'),
    // Blob GETs answered 307 to the driver's URL where it has one (S3); the filesystem has none.
    redirect: section({ disable: yaml(Flag) }),
    tag: warn('tag lookup concurrency is tuning Stowage does not need'),
    ...unregisteredDriverKeys(),
  }),
  auth: section({
    htpasswd: section({ realm: text(z.string().min(1)), path: text(z.string().min(1)) }),
    token: section({
      realm: text(z.string().min(1)),
      service: text(Text),
      issuer: text(Text),
      rootcertbundle: text(z.string().min(1)),
      jwks: text(z.string().min(1)),
      signingalgorithms: yaml(Texts),
      // Stowage's extension: the token server in this process (README, "Access control").
      builtin: section({
        htpasswd: text(z.string().min(1)),
        expiration: text(Duration),
        key: text(z.string().min(1)),
      }),
      autoredirect: judged((v) =>
        v === true
          ? verdict('refuse', "it builds the realm from the request's Host header, which the client chooses; set auth.token.realm or http.host")
          : verdict('accept', 'off'),
      ),
      autoredirectpath: accept('used only with autoredirect'),
    }),
    silly: refuse('htpasswd and token are; refusing to start an open registry in its place'),
  }),
  // Stowage's own sections: who may do what (src/registry/server/auth/access.ts).
  access: yaml(z.array(AccessRuleSchema).nullable()),
  groups: yaml(GroupsSchema.nullable()),
  // Stowage's own: resource limits (src/registry/server/limits.ts).
  limits: section({
    headerstimeout: text(Duration),
    idletimeout: text(Duration),
    maxheaderbytes: text(Count),
    uploadsperclient: text(Count),
    uploadsessionttl: text(Duration),
  }),
  http: section({
    addr: text(z.string()),
    host: text(z.string().min(1)),
    draintimeout: text(Duration),
    headers: yaml(Headers),
    // Stowage's own: reverse proxies whose X-Forwarded-* headers are believed (auth/origin.ts).
    trustedproxies: yaml(
      z.union([
        z
          .string()
          .min(1)
          .transform((v) => [v]),
        Texts,
      ]),
    ),
    tls: section({
      certificate: text(z.string().min(1)),
      key: text(z.string().min(1)),
      minimumtls: judged((v) =>
        v === 'tls1.2' || v === undefined || v === null || v === ''
          ? verdict('accept', "TLS 1.2 is Node's minimum")
          : v === 'tls1.0' || v === 'tls1.1'
            ? verdict('warn', `TLS 1.2 stays the minimum (Node refuses ${String(v)})`)
            : verdict('refuse', `a minimum above TLS 1.2 is not implemented (Node's minimum, TLS 1.2, would be used)`),
      ),
      clientcas: judged((v) =>
        isEmpty(v) ? verdict('accept', 'empty') : verdict('refuse', 'client certificate authentication is not implemented: clients would get in without one'),
      ),
      ciphersuites: judged((v) =>
        isEmpty(v) ? verdict('accept', 'empty') : verdict('refuse', "choosing cipher suites is not implemented (Node's defaults would be used)"),
      ),
      letsencrypt: judged((v) =>
        isEmpty(v) ? verdict('accept', 'empty') : verdict('refuse', "Let's Encrypt is not implemented: give http.tls.certificate and key"),
      ),
    }),
    http2: section({ disabled: yaml(Flag) }),
    h2c: judged((v) =>
      field(v, 'enabled') === true ? verdict('warn', 'cleartext HTTP/2 is not offered: such clients use HTTP/1.1') : verdict('accept', 'off'),
    ),
    net: judged((v) =>
      v === 'tcp' || isEmpty(v) ? verdict('accept', 'tcp') : verdict('refuse', 'only tcp is implemented: Stowage would listen elsewhere than asked'),
    ),
    prefix: judged((v) => (isEmpty(v) || v === '/' ? verdict('accept', 'none') : verdict('refuse', 'serving the API under a path prefix is not implemented'))),
    secret: accept('upload state stays on the server: there is nothing to sign'),
    relativeurls: judged((v) =>
      v === false
        ? verdict('warn', 'Location headers are always relative, which every registry client resolves')
        : verdict('accept', 'Location headers are always relative'),
    ),
    // distribution's debug server: /metrics, /debug/health (and Stowage's /livez, /readyz); debug-config.ts.
    debug: section({
      addr: text(z.string()),
      prometheus: section({ enabled: yaml(Flag), path: text(z.string().min(1)) }),
    }),
  }),
  catalog: section({ maxentries: text(Count) }),
  // Stowage's own: opt-in behaviours the spec allows but distribution lacks.
  features: section({ automaticcrossmount: yaml(Flag) }),
  // distribution's webhooks, plus Stowage's queuedirectory and maxpending (notifications-config.ts).
  notifications: yaml(NotificationsSchema.nullable()),
  middleware: judged((v) =>
    isEmpty(v)
      ? verdict('accept', 'none')
      : verdict('refuse', 'middleware (CDN redirects, custom hooks) is not implemented: requests would be served without it'),
  ),
  // distribution's pull-through cache of one upstream (proxy-config.ts), plus Stowage's tagttl and timeout.
  proxy: section({
    remoteurl: text(Text),
    username: text(Text),
    password: text(Text),
    ttl: text(Duration),
    tagttl: text(Duration),
    timeout: text(Duration),
    maxsize: text(z.union([z.number(), z.string().min(1)])),
    exec: refuse("credential helpers for the upstream are read from docker's config.json, not proxy.exec: the upstream would be pulled anonymously"),
  }),
  // Stowage's own: several upstreams beside hosted repositories (proxy-config.ts).
  proxies: yaml(z.array(ProxyEntrySchema).nullable()),
  // distribution's health checks (health-config.ts): /debug/health, /readyz, and GET /v2/ 503 while one fails.
  health: yaml(HealthSchema),
  // Stowage's own: the metadata index replicas share (src/database; README "Several replicas").
  database: section({
    enabled: yaml(Flag),
    dsn: text(z.string().min(1)),
    // GitLab's registry fork names its pool size so.
    pool: section({ maxopen: text(Count) }),
  }),
  redis: warn('Redis serves only the blob descriptor cache, which is not implemented'),
  reporting: warn('error reporting (bugsnag, newrelic) is not implemented'),
  compatibility: judged((v) =>
    field(v, 'schema1', 'enabled') === true
      ? verdict('warn', 'schema 1 manifests are refused on push whatever this says (those stored are served)')
      : verdict('accept', 'schema 1 off'),
  ),
  validation: judged((v) =>
    isEmpty(field(v, 'manifests', 'urls'))
      ? verdict('accept', "a manifest's references are always checked")
      : verdict('refuse', "validation.manifests.urls is not implemented: foreign layers' URLs would not be checked"),
  ),
  policy: judged((v) =>
    isEmpty(field(v, 'repository', 'classes'))
      ? verdict('accept', 'no policy')
      : verdict('refuse', 'policy.repository.classes is not implemented: any content would be accepted'),
  ),
});

export type ConfigFile = Infer<typeof KEYS>;

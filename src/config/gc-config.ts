import { StowageError } from '../errors/error.js';
import type { RetentionRule } from '../registry/gc/index.js';
import { compileGlob } from '../registry/server/auth/glob.js';
import { DEFAULT_UNTAGGED_AGE_MS, type GcConfig, type GcSettings } from '../registry/server/gc-schedule.js';
import type { ConfigFile } from './keys.js';
import { parseDuration, positive } from './values.js';

type Maintenance = NonNullable<NonNullable<ConfigFile['storage']>['maintenance']>;

const GC = 'storage.maintenance.gc';
const RETENTION = 'storage.maintenance.retention';

/**
 * `storage.maintenance.gc` and `.retention`, resolved: the settings every collection of this
 * root uses (the schedule, POST /admin/gc, `stowage registry gc`), and the schedule's interval
 * when `enabled`. Read-only: nothing is collected by the server, as distribution's read-only
 * mode exists to let another process (its garbage collector) own the root.
 */
export function resolveGc(maintenance: Maintenance | undefined, readOnly: boolean, warnings: string[]): GcConfig {
  const gc = maintenance?.gc ?? {};
  const ms = (key: string, value: string | number): number => Math.round(parseDuration(value, key) * 1000);
  const options: GcSettings = {
    // One hour: far longer than any push between a blob's HEAD and its manifest's PUT.
    graceMs: ms(`${GC}.grace`, gc.grace ?? '1h'),
    dryRun: gc.dryrun === true,
    untagged: {
      delete: gc.untagged?.delete === true,
      ageMs: gc.untagged?.age === undefined ? DEFAULT_UNTAGGED_AGE_MS : ms(`${GC}.untagged.age`, gc.untagged.age),
    },
  };
  const retention = maintenance?.retention ?? undefined;
  if (retention?.length) options.retention = retention.map((rule, i) => retentionRule(rule, `${RETENTION}[${i}]`));
  // Checked even when off: a typo must not wait for the day someone turns the schedule on.
  const intervalMs = positive(`${GC}.interval`, ms(`${GC}.interval`, gc.interval ?? '24h'));
  if (gc.enabled !== true) return { options };
  if (readOnly) {
    warnings.push(`${GC}.enabled is ignored: the registry is read-only (storage.maintenance.readonly), so it collects nothing`);
    return { options };
  }
  return { intervalMs, options };
}

type RuleEntry = NonNullable<Maintenance['retention']>[number];

/** One rule, its globs and regexes checked now (a bad one is CONFIG_INVALID naming its key), durations in ms. */
function retentionRule(rule: RuleEntry, at: string): RetentionRule {
  rule.repositories.forEach((pattern, i) => {
    try {
      compileGlob(pattern);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `${at}.repositories[${i}]: ${(err as Error).message}`, { key: `${at}.repositories[${i}]` });
    }
  });
  for (const key of ['keep', 'protect'] as const) {
    const source = rule[key];
    if (source === undefined) continue;
    try {
      new RegExp(source);
    } catch (err) {
      const why = (err as Error).message.replace(/^Invalid regular expression: /, '');
      throw new StowageError('CONFIG_INVALID', `${at}.${key}: not a regular expression (${why})`, { key: `${at}.${key}` });
    }
  }
  return {
    repositories: rule.repositories,
    ...(rule.keeplast !== undefined ? { keepLast: rule.keeplast } : {}),
    ...(rule.keep !== undefined ? { keep: rule.keep } : {}),
    ...(rule.olderthan !== undefined ? { olderThanMs: Math.round(parseDuration(rule.olderthan, `${at}.olderthan`) * 1000) } : {}),
    ...(rule.protect !== undefined ? { protect: rule.protect } : {}),
  };
}

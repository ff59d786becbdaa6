import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  IDENTIFIER,
  isValidDomain,
  isValidPath,
  LEGACY_DEFAULT_DOMAIN,
  LOCALHOST,
  NAME_TOTAL_LENGTH_MAX,
  OFFICIAL_REPO_PREFIX,
  REFERENCE_LENGTH_MAX,
  TAG,
} from './grammar.js';

/** A normalised image reference: `domain/path[:tag][@digest]`. */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses a reference the way `docker pull` does (distribution/reference ParseNormalizedNamed):
 * "familiar" input is normalised (`alpine` -> `docker.io/library/alpine`), and `latest` is
 * added only when neither a tag nor a digest was given. `name:tag@digest` keeps both.
 */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string' || input === '') fail(input, 'reference must not be empty');
  if (input.length > REFERENCE_LENGTH_MAX) fail(input, `reference is longer than ${REFERENCE_LENGTH_MAX} characters`);
  if (IDENTIFIER.test(input)) {
    fail(input, 'a 64-character hexadecimal string is an image ID, not a repository name');
  }

  // Neither name nor tag may contain '@', so the first one starts the digest.
  let rest = input;
  let digest: string | undefined;
  const at = input.indexOf('@');
  if (at >= 0) {
    digest = input.slice(at + 1);
    rest = input.slice(0, at);
    try {
      digest = Digest.parse(digest).toString();
    } catch (err) {
      fail(input, err instanceof StowageError ? err.message : 'invalid digest');
    }
  }

  // A ':' after the last '/' starts the tag; one before it belongs to the domain (port, IPv6).
  let name = rest;
  let tag: string | undefined;
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    name = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(input, `invalid tag ${quote(tag)}`);
  }
  if (name === '') fail(input, 'repository name is missing');

  const { domain, path } = splitDockerDomain(name);
  if (!isValidDomain(domain)) fail(input, `invalid registry host ${quote(domain)}`);
  if (!isValidPath(path)) {
    fail(input, isValidPath(path.toLowerCase()) ? 'repository name must be lowercase' : 'invalid repository name');
  }
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    fail(input, `name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  const ref: Reference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** The fully qualified form: `docker.io/library/alpine:latest`, `host/x:tag@sha256:…`. */
export function formatReference(ref: Reference): string {
  const name = ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
  return name + suffix(ref);
}

/** Docker's short form (distribution/reference FamiliarString): `alpine:latest`, `user/app:1`. */
export function familiarString(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return formatReference(ref);
  let path = ref.path;
  // Only strip `library/` when what remains is a single component, as familiarizeName does.
  if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    path = path.slice(OFFICIAL_REPO_PREFIX.length);
  }
  // `docker.io/a.b/c` cannot be shortened: `a.b/c` would read as host `a.b` (Docker's
  // FamiliarString has this ambiguity; we keep the short form re-parseable).
  const slash = path.indexOf('/');
  if (slash >= 0 && looksLikeDomain(path.slice(0, slash))) return formatReference(ref);
  return path + suffix(ref);
}

/** OCI distribution spec `<name>`: each '/'-separated component per the regex, total <= 255. */
export function isValidRepositoryName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= NAME_TOTAL_LENGTH_MAX && isValidPath(name);
}

/** OCI distribution spec tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return typeof tag === 'string' && TAG.test(tag);
}

export function checkRepositoryName(name: string): void {
  if (isValidRepositoryName(name)) return;
  let reason: string;
  if (typeof name !== 'string' || name === '') reason = 'repository name must not be empty';
  else if (name.length > NAME_TOTAL_LENGTH_MAX) reason = `repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
  else if (isValidPath(name.toLowerCase())) reason = `repository name ${quote(name)} must be lowercase`;
  else {
    reason =
      `invalid repository name ${quote(name)}: each '/'-separated component must be lowercase letters and digits, ` + `separated by '.', '_', '__' or '-'`;
  }
  throw new StowageError('NAME_INVALID', reason, { name });
}

export function checkTag(tag: string): void {
  if (isValidTag(tag)) return;
  throw new StowageError('TAG_INVALID', `invalid tag ${quote(tag)}: a tag is 1 to 128 letters, digits, '_', '.' or '-', and must not start with '.' or '-'`, {
    tag,
  });
}

/**
 * distribution/reference splitDockerDomain: the first component is a registry host if it is
 * `localhost`, contains '.' or ':' (a domain, an IP, a port, an IPv6 literal) or has uppercase
 * letters (namespaces cannot, so it can only be a host). Otherwise the name is on Docker Hub.
 */
function splitDockerDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DEFAULT_DOMAIN, path: OFFICIAL_REPO_PREFIX + name };
  const first = name.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let path = name;
  if (looksLikeDomain(first)) {
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    path = name.slice(slash + 1);
  }
  // `docker.io/alpine` means the official image, exactly like `alpine`.
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  return { domain, path };
}

function looksLikeDomain(first: string): boolean {
  return first === LOCALHOST || first.includes('.') || first.includes(':') || first !== first.toLowerCase();
}

function suffix(ref: Reference): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

function fail(input: unknown, reason: string): never {
  throw new StowageError('REFERENCE_INVALID', `invalid reference ${quote(input)}: ${oneLine(reason)}`, { input });
}

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Escapes control and line-separator characters so a message stays on one line. */
function oneLine(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Quotes untrusted text for a one-line message: truncated, with control and line-separator characters escaped. */
function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  const short = s.length > 100 ? `${s.slice(0, 97)}...` : s;
  return oneLine(JSON.stringify(short));
}

/** A reference, or undefined when the text is not one: for names found in files and filters. */
export function tryParseReference(input: string): Reference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}

/** `docker.io/library/alpine:latest` → `alpine:latest`, as docker prints names; other text unchanged. */
export function familiarReference(reference: string): string {
  const parsed = tryParseReference(reference);
  return parsed ? familiarString(parsed) : reference;
}

/**
 * The image-reference grammar, as github.com/distribution/reference (regexp.go, reference.go)
 * defines it, plus the OCI distribution spec's `<name>` and tag rules (spec.md, "Pulling manifests"):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] remote-name
 *   domain           := host [':' port-number]
 *   host             := domain-name | IPv4address | \[ IPv6address \]     ; rfc3986 appendix-A
 *   domain-name      := domain-component ['.' domain-component]*
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   port-number      := /[0-9]+/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   remote-name      := path-component ['/' path-component]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *
 * Components are matched one at a time (split on '/' and '.') rather than with one big
 * reference regex: JavaScript regexes backtrack (Go's RE2 does not), so we keep each pattern
 * small, anchored and free of nested ambiguity.
 */

/** One path component. The OCI `<name>` regex and distribution's remote-name agree on it. */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** One DNS-ish label of a domain (distribution: domainNameComponent). Uppercase is allowed here. */
export const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** An IPv6 literal in brackets; zone identifiers (`%eth0`) are deliberately excluded. */
export const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;

export const PORT = /^[0-9]+$/;

/** OCI distribution spec: a tag is at most 128 characters matching this. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** distribution/reference refuses a bare 64-hex name: it would be ambiguous with an image ID. */
export const IDENTIFIER = /^[a-f0-9]{64}$/;

/** distribution/reference RepositoryNameTotalLengthMax; we apply it to domain + '/' + path. */
export const NAME_TOTAL_LENGTH_MAX = 255;

/** Longest input worth looking at: name (255) + ':' tag (129) + '@' sha512 digest (136), with room. */
export const REFERENCE_LENGTH_MAX = 1024;

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const LOCALHOST = 'localhost';

/** `host[:port]` per the grammar above. */
export function isValidDomain(domain: string): boolean {
  let host = domain;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    if (close < 0) return false;
    host = domain.slice(0, close + 1);
    const rest = domain.slice(close + 1);
    if (!IPV6_HOST.test(host)) return false;
    return rest === '' || (rest.startsWith(':') && PORT.test(rest.slice(1)));
  }
  const colon = domain.indexOf(':');
  if (colon >= 0) {
    host = domain.slice(0, colon);
    if (!PORT.test(domain.slice(colon + 1))) return false;
  }
  return host.split('.').every((label) => DOMAIN_COMPONENT.test(label));
}

/** `remote-name` per the grammar above (no length check). */
export function isValidPath(path: string): boolean {
  return path.split('/').every((component) => PATH_COMPONENT.test(component));
}

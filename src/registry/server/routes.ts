import { StowageError } from '../../errors/error.js';

/**
 * The API's routes (distribution spec, "Endpoints"). Repository names contain slashes, so a
 * path is matched from its end, the way distribution's route regexes anchor on the suffix:
 * `/v2/a/b/blobs/uploads/<uuid>` is an upload of repository `a/b`.
 */
export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; uuid: string }
  | { kind: 'referrers'; name: string; digest: string };

export interface ParsedUrl {
  route: Route;
  query: URLSearchParams;
}

/**
 * Parses a request URL under `/v2`. Returns undefined for a path that is no API route.
 * Each segment is percent-decoded on its own; a decoded segment holding a slash or a control
 * character is refused, so `a%2Fb` can neither change the route nor pass as the name `a/b`.
 */
export function parseUrl(url: string): ParsedUrl | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  if (path !== '/v2' && !path.startsWith('/v2/')) return undefined;
  const segments = path.slice(4).split('/').map(decodeSegment);
  const route = matchSegments(segments);
  return route ? { route, query } : undefined;
}

function matchSegments(segments: string[]): Route | undefined {
  const n = segments.length;
  if (n === 0 || (n === 1 && segments[0] === '')) return { kind: 'base' };
  if (n === 1 && segments[0] === '_catalog') return { kind: 'catalog' };
  const at = (i: number): string => segments[n + i] ?? '';
  const name = (drop: number): string => segments.slice(0, n - drop).join('/');
  if (n >= 3 && at(-2) === 'tags' && at(-1) === 'list') return { kind: 'tags', name: name(2) };
  if (n >= 3 && at(-2) === 'manifests') return { kind: 'manifest', name: name(2), reference: at(-1) };
  if (n >= 4 && at(-3) === 'blobs' && at(-2) === 'uploads') {
    return at(-1) === '' ? { kind: 'uploads', name: name(3) } : { kind: 'upload', name: name(3), uuid: at(-1) };
  }
  if (n >= 3 && at(-2) === 'blobs' && at(-1) === 'uploads') return { kind: 'uploads', name: name(2) };
  if (n >= 3 && at(-2) === 'blobs') return { kind: 'blob', name: name(2), digest: at(-1) };
  if (n >= 3 && at(-2) === 'referrers') return { kind: 'referrers', name: name(2), digest: at(-1) };
  return undefined;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new StowageError('NAME_INVALID', 'malformed percent-encoding in the request path');
  }
  if (/[/\\\u0000-\u001f\u007f]/.test(decoded)) {
    throw new StowageError('NAME_INVALID', 'encoded slash or control character in the request path');
  }
  return decoded;
}

/** `Authorization: Basic base64(user:password)` (RFC 7617); undefined when malformed. */
export function parseBasic(header: string): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Authorization: Bearer TOKEN` (RFC 6750 §2.1); undefined when absent or another scheme. */
export function parseBearer(header: string | undefined): string | undefined {
  return /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header ?? '')?.[1];
}

/** Module hooks (node:module register) that load fake-collect.js wherever src/registry/gc/collect.js is imported. */
const FAKE = new URL('./fake-collect.js', import.meta.url).href;

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };

export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<Resolved>): Promise<Resolved> {
  const resolved = await next(specifier, context);
  return resolved.url.endsWith('/src/registry/gc/collect.js') ? { ...resolved, url: FAKE, shortCircuit: true } : resolved;
}

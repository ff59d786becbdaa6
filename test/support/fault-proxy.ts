import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with one request: pass it on, answer it, or pass it on and cut the body short. */
export type Fault =
  /** Answers with `status` and `body` (default: a registry's JSON error). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'corrupt' }
  /** Passes the response on with these headers replaced (a registry that lies in its headers). */
  | { kind: 'headers'; headers: Record<string, string> }
  /** Sends the headers and part of the body, then nothing more until the proxy closes. */
  | { kind: 'stall'; afterBytes: number };

export interface FaultProxy {
  url: string;
  host: string;
  /** Every request seen: method, path and Range header. */
  seen: Array<{ method: string; url: string; range?: string }>;
  close(): Promise<void>;
}

/**
 * A real HTTP proxy in front of a test registry that injects the failures a flaky network
 * or a broken registry produces: 5xx/429, a connection cut mid-body, flipped bytes. `decide`
 * sees each request and returns a fault or nothing. No mocks: the client under test speaks
 * HTTP to it over loopback. `preserveHost` passes Host on as the client sent it (an S3 client
 * signs it: SigV4).
 */
export async function startFaultProxy(
  target: string,
  decide: (req: IncomingMessage, index: number) => Fault | undefined,
  options: { preserveHost?: boolean } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: FaultProxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    const index = seen.length;
    seen.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.range ? { range: String(req.headers.range) } : {}) });
    const fault = decide(req, index);
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '{"errors":[{"code":"UNKNOWN","message":"injected"}]}');
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: options.preserveHost ? req.headers : { ...req.headers, host: upstream.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, fault?.kind === 'headers' ? { ...up.headers, ...fault.headers } : up.headers);
        if (!fault || fault.kind === 'headers') {
          up.pipe(res);
          return;
        }
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          if (fault.kind === 'stall') {
            const room = fault.afterBytes - sent;
            if (room > 0) res.write(chunk.subarray(0, room));
            sent += chunk.length;
            if (sent >= fault.afterBytes) up.pause();
          } else if (fault.kind === 'cut') {
            const room = fault.afterBytes - sent;
            if (room > 0) res.write(chunk.subarray(0, room));
            sent += chunk.length;
            if (sent >= fault.afterBytes) {
              up.destroy();
              res.socket?.destroy();
            }
          } else {
            const copy = Buffer.from(chunk);
            if (sent === 0 && copy.length > 0) copy[0] = (copy[0] ?? 0) ^ 0xff;
            sent += copy.length;
            res.write(copy);
          }
        });
        up.on('end', () => fault.kind !== 'stall' && res.end());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface StallingProxy extends FaultProxy {
  /** How many GETs of the blob it has stalled so far. */
  stalls(): number;
}

/**
 * A proxy whose GETs of the blob `digest` send its first `afterBytes` and then nothing: a pull
 * through it is provably mid-transfer.
 */
export async function startStallingProxy(target: string, digest: string, afterBytes: number): Promise<StallingProxy> {
  const isStalled = (method: string | undefined, url: string | undefined): boolean => method === 'GET' && url?.endsWith(digest) === true;
  const proxy = await startFaultProxy(target, (req) => (isStalled(req.method, req.url) ? { kind: 'stall', afterBytes } : undefined));
  return { ...proxy, stalls: () => proxy.seen.filter((r) => isStalled(r.method, r.url)).length };
}

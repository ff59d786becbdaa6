/**
 * A small HTTP client for the black-box registry tests.
 *
 * It talks to the server through an undici Agent's raw `dispatch`-level `request`, so the request
 * line carries the path exactly as written: no URL normalisation (`..` stays `..`, `%2F` stays
 * `%2F`), which the name-validation tests need. 4xx/5xx never throw; every response body is read
 * to the end (or handed over as a stream) so keep-alive connections are not leaked.
 */
import { Agent } from 'undici';
import type { Readable } from 'node:stream';

export type RequestBody = string | Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array> | null;

export interface RequestOptions {
  headers?: Record<string, string | string[]>;
  body?: RequestBody;
}

export class Res {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly rawHeaders: Record<string, string | string[] | undefined>,
    readonly body: Buffer,
  ) {}

  /** One header, repeated values joined with ", " (RFC 9110 list semantics). */
  header(name: string): string | undefined {
    const v = this.rawHeaders[name.toLowerCase()];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(', ') : v;
  }

  /** All values of a list header: repeated headers and comma-separated values, trimmed. */
  headerList(name: string): string[] {
    const v = this.header(name);
    if (v === undefined) return [];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }

  get text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text) as T;
    } catch {
      throw new Error(`${this.describe()}: body is not JSON: ${this.text.slice(0, 300)}`);
    }
  }

  /** For assertion messages: `GET /v2/x -> 404 {"errors":...}` */
  describe(): string {
    const ct = this.header('content-type') ?? '';
    const shown = /json|text/.test(ct) || ct === '' ? this.text.slice(0, 400) : `<${this.body.length} bytes ${ct}>`;
    return `${this.method} ${this.path.slice(0, 200)} -> ${this.status} ${shown}`;
  }
}

export interface StreamRes {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Buffer> & { dump(): Promise<void> };
}

export interface ClientOptions {
  /** Called with every buffered response (e.g. to check headers every response must carry). */
  onResponse?: (res: Res) => void;
  /** Called with the status and headers of every streamed response. */
  onStream?: (res: StreamRes, method: string, path: string) => void;
}

export class HttpClient {
  readonly origin: string;
  private readonly agent: Agent;
  private readonly options: ClientOptions;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.origin = new URL(baseUrl).origin;
    this.agent = new Agent({ keepAliveTimeout: 2_000, connections: 128 });
    this.options = options;
  }

  /**
   * Turns a path or a Location value (relative or absolute) into the raw request path.
   * A relative value is sent as is; an absolute one must point at the registry under test.
   */
  toPath(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const u = new URL(pathOrUrl);
      if (u.origin !== this.origin) throw new Error(`URL ${pathOrUrl} is not on ${this.origin}`);
      return u.pathname + u.search;
    }
    return pathOrUrl;
  }

  async request(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<Res> {
    const path = this.toPath(pathOrUrl);
    const res = await this.agent.request({
      origin: this.origin,
      path,
      method: method as 'GET',
      headers: opts.headers ?? {},
      body: (opts.body ?? null) as never,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Uint8Array));
    const out = new Res(method, path, res.statusCode, res.headers as Record<string, string | string[] | undefined>, Buffer.concat(chunks));
    this.options.onResponse?.(out);
    return out;
  }

  /** Like request, but hands back the response body as a stream (for big downloads). */
  async stream(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<StreamRes> {
    const path = this.toPath(pathOrUrl);
    const res = await this.agent.request({
      origin: this.origin,
      path,
      method: method as 'GET',
      headers: opts.headers ?? {},
      body: (opts.body ?? null) as never,
    });
    const headers = res.headers as Record<string, string | string[] | undefined>;
    const out: StreamRes = {
      status: res.statusCode,
      header(name: string) {
        const v = headers[name.toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      body: res.body as unknown as AsyncIterable<Buffer> & { dump(): Promise<void> },
    };
    this.options.onStream?.(out, method, path);
    return out;
  }

  get(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('GET', path, opts);
  }
  head(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('HEAD', path, opts);
  }
  put(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('PUT', path, opts);
  }
  post(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('POST', path, opts);
  }
  patch(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('PATCH', path, opts);
  }
  delete(path: string, opts?: RequestOptions): Promise<Res> {
    return this.request('DELETE', path, opts);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

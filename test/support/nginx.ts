/**
 * nginx from Debian's package as the load balancer in front of several registries: round robin,
 * bodies streamed both ways (no request or response buffering, no size cap), keep-alive to the
 * upstreams, and an access log of which upstream answered each request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir } from './process.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface Nginx {
  url: string;
  host: string;
  /** The upstream (`host:port`) of each request logged so far, in order; a retried request lists each try. */
  upstreams(): Promise<Array<{ request: string; upstream: string; status: string }>>;
  stop(): Promise<void>;
}

export async function startNginx(upstreams: string[]): Promise<Nginx> {
  const dir = await makeTempDir('stowage-nginx-');
  const port = await freePort();
  const log = join(dir, 'access.log');
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      // As root, workers would run as nobody, who cannot enter the temp directory (mode 0700).
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'worker_processes 2;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      // One line per request: which upstream(s) answered it, tab-separated.
      `  log_format upstreams '$request\\t$upstream_addr\\t$status';`,
      `  access_log ${log} upstreams;`,
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      '  upstream registries {',
      ...upstreams.map((upstream) => `    server ${upstream} max_fails=1 fail_timeout=30s;`),
      '    keepalive 32;',
      '  }',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    client_max_body_size 0;',
      '    proxy_request_buffering off;',
      '    proxy_buffering off;',
      '    proxy_http_version 1.1;',
      '    proxy_read_timeout 900s;',
      '    proxy_send_timeout 900s;',
      '    location / {',
      '      proxy_pass http://registries;',
      '      proxy_set_header Connection "";',
      '      proxy_set_header Host $http_host;',
      '      proxy_set_header X-Forwarded-For $remote_addr;',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.status < 500,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer at ${url}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    upstreams: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [request = '', upstream = '', status = ''] = line.split('\t');
          return { request, upstream, status };
        }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

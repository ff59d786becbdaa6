import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';

const exec = promisify(execFile);

/** This machine's limits, printed beside the results so they can be read in context. */
export async function machineLimits(dir: string): Promise<string[]> {
  const lines: string[] = [];
  try {
    const { stdout } = await exec('openssl', ['speed', '-seconds', '1', '-evp', 'sha256']);
    const last = stdout.trim().split('\n').pop()?.trim().split(/\s+/).pop() ?? '';
    lines.push(`sha256, one core (openssl speed, 16 KiB blocks): ${(Number(last.replace('k', '')) / 1000).toFixed(0)} MB/s`);
  } catch {
    lines.push('sha256, one core: openssl not available');
  }
  const file = join(dir, 'dd-test');
  const { stderr } = await exec('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', 'count=512', 'conv=fdatasync']).catch((e: { stderr: string }) => e);
  await rm(file, { force: true });
  lines.push(`sequential write with fdatasync (dd, 512 MiB): ${/([\d.]+ [MG]B\/s)/.exec(stderr)?.[1] ?? 'unknown'}`);
  lines.push(`loopback HTTP throughput (node server → undici, 1 GiB): ${(await loopbackMBps()).toFixed(0)} MB/s`);
  return lines;
}

async function loopbackMBps(): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const total = 1024;
  const server = createServer((_req, res) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const start = performance.now();
  const response = await request(`http://127.0.0.1:${port}/`);
  for await (const _ of response.body) void _;
  const seconds = (performance.now() - start) / 1000;
  server.close();
  return (total * chunk.length) / 1e6 / seconds;
}

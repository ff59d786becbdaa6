import { Agent, request } from 'undici';

/**
 * A closed-loop load generator: `connections` concurrent loops sending one request after
 * another for `seconds`. Used for HEAD, which wrk cannot measure (it waits for the body the
 * Content-Length announces). Returns requests per second and the 99th-percentile latency.
 */
export async function load(
  url: string,
  options: { method: 'GET' | 'HEAD'; connections: number; seconds: number; headers?: Record<string, string> },
): Promise<{ rps: number; p99: number; errors: number }> {
  const dispatcher = new Agent({ connections: options.connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + options.seconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      const began = performance.now();
      try {
        const response = await request(url, { method: options.method, dispatcher, ...(options.headers ? { headers: options.headers } : {}) });
        await response.body.dump();
        if (response.statusCode >= 400) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - began);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, errors };
}

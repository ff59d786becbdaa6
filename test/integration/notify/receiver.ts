import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryEvent } from '../../../src/registry/notify/types.js';

/** What the receiver does with an attempt: answer with a status, or never answer. */
export type Answer = number | 'hang';

export interface Attempt {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  events: RegistryEvent[];
  answer: Answer;
}

/**
 * A webhook receiver on 127.0.0.1, for the notifier's integration tests: records every attempt
 * and answers as `answer` says; it can stop (connections refused) and start again on the same
 * port.
 */
export class Receiver {
  readonly attempts: Attempt[] = [];
  answer: (attempt: Omit<Attempt, 'answer'>, index: number) => Answer = () => 200;
  private server: Server | undefined;
  private port = 0;
  private readonly hanging = new Set<ServerResponse>();

  /** Answered with 2xx or 3xx: what the endpoint accepted. */
  get accepted(): RegistryEvent[] {
    return this.attempts.filter((a) => typeof a.answer === 'number' && a.answer < 400).flatMap((a) => a.events);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Listens (on the port it had before, after a stop). */
  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const seen = { headers: req.headers, rawHeaders: req.rawHeaders, body, events: (JSON.parse(body) as { events: RegistryEvent[] }).events };
        const answer = this.answer(seen, this.attempts.length);
        this.attempts.push({ ...seen, answer });
        if (answer === 'hang') {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        res.writeHead(answer, answer >= 300 && answer < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {});
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts every connection: the next attempts are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on: a receiver started and stopped. */
export async function refusingReceiver(): Promise<Receiver> {
  const receiver = await new Receiver().start();
  await receiver.stop();
  return receiver;
}

/** Polls until `condition` holds; fails after `timeoutMs` (generous: a wait, not a timing assertion). */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

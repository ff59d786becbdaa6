import { connect } from 'node:net';
import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, type HealthCheck } from './check.js';

export interface TcpCheckOptions {
  /** `host:port`, `[v6]:port` or `:port` (this host, as Go dials it): the check's name. */
  addr: string;
  timeoutMs?: number;
  intervalMs?: number;
  threshold?: number;
}

/** distribution's TCP check: a connection opened (and closed at once) within the timeout. */
export function tcpCheck(options: TcpCheckOptions): HealthCheck {
  const { host, port } = splitAddress(options.addr);
  return {
    name: options.addr,
    intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    threshold: options.threshold ?? 1,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    run: (signal) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port });
        const abort = (): void => {
          socket.destroy();
          reject(new Error('connection not established in time'));
        };
        signal.addEventListener('abort', abort, { once: true });
        socket.once('connect', () => {
          signal.removeEventListener('abort', abort);
          socket.destroy();
          resolve();
        });
        socket.once('error', (err) => {
          signal.removeEventListener('abort', abort);
          reject(new Error(`connection failed: ${err.message}`));
        });
      }),
  };
}

/** The host and port to dial; an address without a port is refused here, before any check runs. */
export function splitAddress(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(addr);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new Error(`"${addr.slice(0, 100)}" is not an address to dial: expected host:port`);
  return { host: match[1] ?? (match[2] || 'localhost'), port };
}

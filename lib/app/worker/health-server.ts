/**
 * The worker's optional HTTP endpoint (node:http, no framework): `GET /healthz` answers
 * 200 when the worker is ready (running, partitions assigned, brokers reachable) and 503
 * otherwise, with the reasons as JSON; `GET /metrics` is the Prometheus scrape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ConfigError } from '../../util/errors';

/** What `/healthz` reports. */
export interface HealthReport {
  /** Running, with partitions assigned and its brokers reachable: `/healthz` answers 200. */
  ready: boolean;
  /** The worker's state (`starting`, `running`, `stopping`, `stopped`, `failed`). */
  state: string;
  /** How many partitions the worker's consumer has. */
  assignedPartitions: number;
  /** Whether the worker's clients reach their brokers. */
  connected: boolean;
  /** Handlers running now. */
  inFlight: number;
  /** Messages fetched and waiting for a handler. */
  queued: number;
  /** Why it is not ready (empty when ready). */
  reasons: string[];
}

export interface HealthServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 0.0.0.0 (all interfaces: the usual for a container's probes). */
  host?: string;
  health(): HealthReport;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface HealthServer {
  /** The port it listens on. */
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Listens and serves `/healthz` and `/metrics`.
 * @throws ConfigError when it cannot listen (port taken, bad host).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { port, host = '0.0.0.0' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError('http.port', `must be an integer from 0 to 65535, got ${String(port)}`);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') {
      const report = options.health();
      return send(res, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
    }
    if (path === '/metrics') {
      options.metrics().then(
        ({ contentType, body }) => send(res, 200, contentType, body),
        (e: unknown) => send(res, 500, 'text/plain', `metrics failed: ${(e as Error)?.message ?? String(e)}\n`),
      );
      return;
    }
    send(res, 404, 'text/plain', 'not found: try /healthz or /metrics\n');
  });
  // Probes open a connection per request; idle keep-alive sockets must not delay close().
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError('http', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

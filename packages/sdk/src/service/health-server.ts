import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The answer of a health probe. */
export interface HealthReport {
  readonly live: boolean;
  readonly ready: boolean;
  readonly state: string;
  readonly checks: Readonly<Record<string, boolean>>;
}

/** `/healthz` (live) and `/readyz` (ready) over node:http, for Kubernetes probes. */
export class HealthServer {
  readonly #report: () => HealthReport;
  #server: Server | undefined;

  constructor(report: () => HealthReport) {
    this.#report = report;
  }

  /** Listens on `port` (0 picks a free one) and resolves with the port. */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((request, response) => {
      const report = this.#report();
      const path = (request.url ?? '/').split('?')[0];
      const ok = path === '/healthz' ? report.live : path === '/readyz' ? report.ready : undefined;
      if (ok === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    });
    server.keepAliveTimeout = 1_000;
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  /** Stops listening and closes idle connections. */
  close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

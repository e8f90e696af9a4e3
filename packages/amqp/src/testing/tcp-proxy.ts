import { createServer, connect, type Socket } from 'node:net';
import { BROKER } from './test-broker.js';

/** A TCP relay in front of the real broker that a test can freeze, cut or refuse, to inject network faults. */
export interface TcpProxy {
  readonly port: number;
  /** The broker URL for `vhost` through this relay. */
  url(vhost: string): string;
  /** Stops relaying bytes both ways (a stalled network): nothing is lost, it waits in the socket buffers. */
  freeze(): void;
  thaw(): void;
  /** Cuts every relayed connection and refuses new ones, as a broker that is down. */
  goDown(): void;
  /** Accepts connections again. */
  comeUp(): void;
  close(): Promise<void>;
}

/** Starts a relay on a free local port to the test broker. */
export async function startTcpProxy(target: string = BROKER): Promise<TcpProxy> {
  const [host = '127.0.0.1', portText = '5672'] = target.split(':');
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  let down = false;
  const server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(portText), host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const each = (action: (socket: Socket) => void) => {
    for (const [client, upstream] of pairs) {
      action(client);
      action(upstream);
    }
  };
  return {
    port,
    url: (vhost) => `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(vhost)}`,
    freeze: () => {
      frozen = true;
      // Unpipe, so that a paused reader is not resumed by the pipe; re-piped on thaw.
      each((socket) => socket.pause());
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
    },
    thaw: () => {
      frozen = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      each((socket) => socket.resume());
    },
    goDown: () => {
      down = true;
      each((socket) => socket.destroy());
    },
    comeUp: () => {
      down = false;
    },
    close: async () => {
      each((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

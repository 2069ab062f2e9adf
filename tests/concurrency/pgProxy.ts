import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL, for one instance's link to it: `latency` delays what
 * PostgreSQL sends to the instance (as a real network between hosts would), `pause` cuts the link
 * without closing it (a partition, or a stalled instance: bytes wait, nothing is lost) and
 * `resume` heals it.
 */
export interface PgProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string;
  setLatency(ms: number): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Direction {
  pending: Buffer[];
  to: net.Socket;
}

export async function startPgProxy(target: { host: string; port: number } = { host: '127.0.0.1', port: 5432 }): Promise<PgProxy> {
  let latencyMs = 0;
  let paused = false;
  const directions = new Set<Direction>();
  const sockets = new Set<net.Socket>();

  const flush = (direction: Direction): void => {
    if (paused) return;
    while (direction.pending.length > 0) direction.to.write(direction.pending.shift()!);
  };
  // In order: timers of one duration fire in the order they were set.
  const forward = (direction: Direction, chunk: Buffer, delayMs: number): void => {
    const deliver = (): void => {
      direction.pending.push(chunk);
      flush(direction);
    };
    if (delayMs > 0) setTimeout(deliver, delayMs);
    else deliver();
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const toServer: Direction = { pending: [], to: upstream };
    const toClient: Direction = { pending: [], to: client };
    directions.add(toServer);
    directions.add(toClient);
    client.on('data', (chunk) => forward(toServer, chunk, 0));
    upstream.on('data', (chunk) => forward(toClient, chunk, latencyMs));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      directions.delete(toServer);
      directions.delete(toClient);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    urlFor(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const direction of directions) flush(direction);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

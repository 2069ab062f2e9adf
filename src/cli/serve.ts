import { createGatehouse } from '../compose.ts';
import type { Config } from '../config.ts';

/** `gatehouse serve`: the HTTP API, the console and the background jobs in one process. */
export async function serve(config: Config): Promise<void> {
  const gatehouse = await createGatehouse(config);
  const address = await gatehouse.app.listen({ port: config.port, host: config.host });
  const url = new URL(address);
  // Tests and scripts wait for this exact phrase.
  console.log(`gatehouse listening on http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${url.port} (database: ${gatehouse.database.kind})`);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    gatehouse.app.log.info({ signal }, 'shutting down');
    gatehouse.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { freshDatabase } from './benchDatabase.ts';
import { allCores, type Machine } from './machine.ts';
import { serverMain, startGatehouse } from './serverProcess.ts';


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Spawn to the first 200 from /healthz, in milliseconds, polling every 5 ms. */
async function timeOneStart(machine: Machine, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  // Every core: with no load running, a starting server uses them all, as it would in production.
  const [command, ...args] = allCores(machine, [process.execPath, serverMain(), 'serve']);
  const started = performance.now();
  const child = spawn(command as string, args, {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      if (await healthy(`http://127.0.0.1:${port}/healthz`)) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('no 200 from /healthz within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/**
 * Cold start of the embedded server on an existing data dir: a first start creates the database,
 * the keys and the schema; then `runs` timed starts, of which the median is reported.
 */
export async function coldStart(machine: Machine, options: { env: Record<string, string>; runs: number }): Promise<{ medianMs: number; runsMs: number[] }> {
  const database = await freshDatabase(null, 'coldstart');
  try {
    const first = await startGatehouse(machine, { ...database.serverEnv, ...options.env });
    await first.stop();
    const runsMs: number[] = [];
    for (let run = 0; run < options.runs; run += 1) runsMs.push(await timeOneStart(machine, { ...database.serverEnv, ...options.env }));
    const sorted = [...runsMs].sort((a, b) => a - b);
    return { medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, runsMs };
  } finally {
    await database.drop();
  }
}

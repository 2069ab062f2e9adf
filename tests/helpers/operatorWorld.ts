import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import { memoryTransport, type Harness } from './harness.ts';
import { createFreshDatabase, testDatabaseServerUrl } from './testDatabase.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface OperatorWorld {
  /** `gatehouse ARGS` as an operator runs it: a subprocess against the database the server wrote. */
  gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The server, for a while: the embedded database admits one process, so it stops before the CLI runs. */
  withServer<T>(work: (h: Harness) => Promise<T>): Promise<T>;
}

/**
 * One database (a PGlite data dir, or a fresh PostgreSQL database with
 * GATEHOUSE_TEST_DATABASE_URL) shared by an in-process server and operator commands run as
 * subprocesses, for tests of `gatehouse users …`. Registers its own set-up and clean-up hooks.
 */
export function operatorWorld(label: string): OperatorWorld {
  const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-${label}-`));
  let fresh: { url: string; drop: () => Promise<void> } | null = null;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    const serverUrl = testDatabaseServerUrl();
    fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
    env = { GATEHOUSE_DATA_DIR: dataDir, ...(fresh ? { DATABASE_URL: fresh.url } : {}) };
  });
  afterAll(async () => {
    await fresh?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    gatehouse: (args) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      }),
    async withServer(work) {
      const config = parseConfig({ ...env, GATEHOUSE_TEST_CLOCK: '1', GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test' });
      const mail: Harness['mail'] = [];
      const instance: Gatehouse = await createGatehouse(config, { logger: pino({ level: 'silent' }), transport: memoryTransport(mail), startJobs: false });
      const h: Harness = { gatehouse: instance, mail, databaseUrl: config.databaseUrl ?? '', advance: async () => {}, close: () => instance.close() };
      try {
        return await work(h);
      } finally {
        await instance.close();
      }
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import type { OutgoingMail } from '../../src/mail/transport.ts';
import type { TestUser } from '../helpers/flows.ts';
import { memoryTransport, type Harness } from '../helpers/harness.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';
import { POSTGRES_URL } from './twoProcesses.ts';

export interface TwoInstances {
  /** Instance A in the harness shape, so the flows helpers can drive it. */
  a: Harness;
  /** Instance B, asked directly. */
  b: Gatehouse;
  close(): Promise<void>;
}

/** Two Gatehouse instances in this process on one fresh PostgreSQL database, as replicas are. */
export async function startTwoInstances(env: Record<string, string> = {}): Promise<TwoInstances> {
  const fresh = await createFreshDatabase(POSTGRES_URL);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-instances-'));
  const config = parseConfig({ DATABASE_URL: fresh.url, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test', GATEHOUSE_TEST_CLOCK: '1', ...env });
  const mail: OutgoingMail[] = [];
  const instances: Gatehouse[] = [];
  for (let index = 0; index < 2; index += 1) {
    instances.push(await createGatehouse(config, { logger: pino({ level: 'silent' }), startJobs: false, transport: memoryTransport(mail) }));
  }
  const [first, second] = instances as [Gatehouse, Gatehouse];
  return {
    a: { gatehouse: first, mail, databaseUrl: fresh.url, advance: async (seconds) => void first.testClock?.advance(seconds), close: async () => {} },
    b: second,
    async close() {
      for (const instance of instances) await instance.close();
      await fresh.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `GET /v1/orgs/{slug}/access` asked of one instance directly. */
export async function accessOn(instance: Gatehouse, user: TestUser, slug: string): Promise<{ status: number; body: any }> {
  const response = await instance.app.inject({ method: 'GET', url: `/v1/orgs/${slug}/access`, headers: { authorization: `Bearer ${user.token}` } });
  return { status: response.statusCode, body: JSON.parse(response.body) };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import type { MailTransport, OutgoingMail } from '../../src/mail/transport.ts';
import { openTemplateDatabase } from './pgliteTemplate.ts';
import { createFreshDatabase, testDatabaseServerUrl } from './testDatabase.ts';

export interface Harness {
  gatehouse: Gatehouse;
  /** Mail handed to the transport, in order (unless a real SMTP_URL is configured). */
  mail: OutgoingMail[];
  databaseUrl: string;
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Captures mail in memory: most tests read the message, a few go through a real SMTP server. */
export function memoryTransport(sink: OutgoingMail[]): MailTransport {
  return { kind: 'smtp', send: async (mail) => void sink.push(mail), close: () => {} };
}

export async function startHarness(options: { env?: Record<string, string>; transport?: MailTransport; logger?: FastifyBaseLogger } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const serverUrl = testDatabaseServerUrl();
  const fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
  const databaseUrl = fresh?.url ?? 'memory://';
  const config = parseConfig({
    GATEHOUSE_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    GATEHOUSE_TEST_CLOCK: '1',
    GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test',
    ...options.env,
  });
  const mail: OutgoingMail[] = [];
  const gatehouse = await createGatehouse(config, {
    ...(fresh ? {} : { database: await openTemplateDatabase() }),
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    transport: options.transport ?? (config.smtpUrl ? undefined : memoryTransport(mail)),
    startJobs: false,
  });
  return {
    gatehouse,
    mail,
    databaseUrl,
    async advance(seconds) {
      gatehouse.testClock?.advance(seconds);
      await gatehouse.jobs.runAll();
    },
    async close() {
      await gatehouse.close();
      await fresh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

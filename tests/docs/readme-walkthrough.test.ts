/**
 * The README walkthrough, run word for word: every ```sh block of its "Walkthrough" section
 * (after the one that starts the server) goes through bash, in order, against a live
 * `gatehouse serve` whose log is the `gatehouse.log` the walkthrough greps. The only change is the
 * server's address, since the test listens on a free port.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function walkthroughBlocks(): string[] {
  const section = README.split('## Walkthrough')[1]!.split('\n## ')[0]!;
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(blocks[0]).toContain('npm start');
  return blocks.slice(1);
}

let server: ServerProcess;
let dir: string;
let dropDatabase: () => Promise<void> = async () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
  // The walkthrough runs from the project folder: give it the same `bin/` beside its log.
  symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
  const env: Record<string, string> = { GATEHOUSE_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' };
  if (process.env.GATEHOUSE_TEST_DATABASE_URL) {
    const fresh = await createFreshDatabase(process.env.GATEHOUSE_TEST_DATABASE_URL);
    env.DATABASE_URL = fresh.url;
    dropDatabase = fresh.drop;
  }
  server = await startServerProcess(env, { timeoutMs: 60_000 });
  appendFileSync(join(dir, 'gatehouse.log'), server.output());
  server.child.stdout?.on('data', (chunk: Buffer) => appendFileSync(join(dir, 'gatehouse.log'), chunk));
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await dropDatabase();
  rmSync(dir, { recursive: true, force: true });
});

it('works word for word', async () => {
  const blocks = walkthroughBlocks();
  expect(blocks).toHaveLength(5);
  // One shell, as in one terminal; a pause between blocks stands for a person reading the output
  // (the outbox worker logs mail within a second of the change).
  const script = blocks.map((block) => block.replaceAll('http://127.0.0.1:8080', server.url)).join('\nsleep 2\n');
  // Asynchronously: the server's log must keep flowing into gatehouse.log while bash runs.
  const { stdout: last } = await promisify(execFile)('bash', ['-c', `set -u\n${script}`], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (process.env.SHOW_WALKTHROUGH) console.log(last);
  expect(last).toMatch(/"code": "noncompliant_members"/);
  expect(last).toContain('bob@example.com');
  expect(last).toMatch(/"noncompliant_action": "remove"/);
  expect(last).toContain('"code":"membership_pending"');
  expect(last).toContain('{"role":"manager"}');
  expect(last).toMatch(/member\.reinstate/);
  expect(last).toMatch(/member\.pending/);
});

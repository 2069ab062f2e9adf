import { openDatabase } from '../src/db/openDatabase.ts';

/**
 * The floor under every request that asks the database: the server's own CPU for one statement
 * through the server's driver path (Kysely over pg or PGlite), one statement after another, in a
 * process pinned to the server's core. Run with `<DATABASE_URL or ''> <data dir> <statements>`;
 * prints one JSON line. For PGlite the database itself runs in this process, so its work is in
 * the figure too; for PostgreSQL only the client's share is (the backend runs elsewhere).
 */
const [url, dataDir, count] = [process.argv[2] || null, process.argv[3] ?? '', Number(process.argv[4] ?? '3000')];
const database = await openDatabase({ databaseUrl: url, dataDir, poolSize: 1 });
try {
  const lookup = (id: string) => database.db.selectFrom('users').select(['id', 'email']).where('id', '=', id).executeTakeFirst();
  for (let index = 0; index < 300; index += 1) await lookup(`usr_warmup_${index}`);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < count; index += 1) await lookup(`usr_probe_${index}`);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  console.log(JSON.stringify({ cpuUsPerStatement: (cpu.user + cpu.system) / count, wallUsPerStatement: (wallMs * 1000) / count, statements: count }));
} finally {
  await database.close();
}

import { sql } from 'kysely';
import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import type { App } from '../buildServer.ts';
import { errors, Strict, Timestamp } from '../schemas.ts';
import type { Extras } from './index.ts';

export function registerSystemRoutes(app: App, deps: AppDeps, extras: Extras): void {
  app.get(
    '/healthz',
    {
      config: { auth: 'none' },
      schema: { tags: ['system'], summary: 'Liveness: 200 when the database answers', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }), 503: Type.Object({ status: Type.String() }) } },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(deps.db);
        return { status: 'ok' as const };
      } catch {
        return reply.code(503).send({ status: 'database unavailable' });
      }
    },
  );

  const testClock = extras.testClock;
  if (!testClock) return;
  const ClockSchema = Type.Object({ now: Timestamp });
  app.get(
    '/v1/test/clock',
    { config: { auth: 'none' }, schema: { tags: ['test clock'], summary: 'Current server time (test mode only)', security: [], response: { 200: ClockSchema } } },
    async () => ({ now: testClock.clock.now() }),
  );
  app.post(
    '/v1/test/clock',
    {
      config: { auth: 'none' },
      schema: {
        tags: ['test clock'],
        summary: 'Advance server time; due scheduled work runs before the answer (test mode only)',
        security: [],
        body: Strict({ advance_seconds: Type.Integer({ minimum: 0, maximum: 10 * 365 * 86_400 }) }),
        response: { 200: ClockSchema, ...errors() },
      },
    },
    async (request) => {
      testClock.clock.advance(request.body.advance_seconds);
      await testClock.runDue();
      return { now: testClock.clock.now() };
    },
  );
}

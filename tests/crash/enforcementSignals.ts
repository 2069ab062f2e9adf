import { performance } from 'node:perf_hooks';
import type { ServerProcess } from '../helpers/serverProcess.ts';

/** One "enforcement: moving members to pending" line: a round written, inside the uncommitted transaction. */
export interface ProgressSignal {
  /** performance.now() in this process when the line arrived. */
  at: number;
  checked: number;
  total: number;
  moved: number;
}

/**
 * The progress lines a server logs (LOG_LEVEL=info, pino JSON lines) for one enforcement request,
 * as they arrive: src/http/routes/enforcement.ts logs one per round of moveToPending, after the
 * round's memberships and mails are written, before the commit. A line received before a kill is
 * evidence that the kill landed inside the transaction. On PostgreSQL they arrive as the rounds
 * end; on PGlite they come out only after the commit (pino writes asynchronously and PGlite keeps
 * the event loop busy for the whole transaction), so the test places its kills on
 * tests/crash/writeWatch.ts instead, and these lines only add to the evidence where they can.
 */
export interface EnforcementSignals {
  rounds: ProgressSignal[];
  stop(): void;
}

export function watchEnforcement(server: ServerProcess, path: string): EnforcementSignals {
  let pending = '';
  let requestId: unknown = null;
  const signals: EnforcementSignals = { rounds: [], stop: () => server.child.stdout?.off('data', read) };
  function read(chunk: Buffer): void {
    const at = performance.now();
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let entry: { msg?: string; reqId?: unknown; req?: { method?: string; url?: string }; checked?: number; total?: number; moved?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry.msg === 'incoming request' && entry.req?.method === 'PUT' && entry.req.url === path && requestId === null) requestId = entry.reqId;
      else if (entry.msg === 'enforcement: moving members to pending' && requestId !== null && entry.reqId === requestId) {
        signals.rounds.push({ at, checked: entry.checked!, total: entry.total!, moved: entry.moved! });
      }
    }
  }
  server.child.stdout?.on('data', read);
  return signals;
}

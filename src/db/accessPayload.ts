import { HEARTBEAT_PAYLOAD } from './accessCache.ts';

/**
 * What travels on the `gatehouse_access` channel besides the changes themselves (`t:`, `u:`, `o:`
 * from the triggers of migration 005, and the heartbeat `hb`):
 * - `s:<seq>` a sequence point: a writer drew `seq` from `gatehouse_access_seq` after its change
 *   committed (src/db/accessBarrier.ts). Notifications reach a listener in commit order, so an
 *   instance that has received `s:<seq>` has received the change before it.
 * - `a:<instance>:<seq>` an instance acknowledging that it has applied everything up to the
 *   sequence point `seq` (also written to `access_cache_instances.applied_seq`).
 */
export type AccessPayload =
  | { kind: 'change' }
  | { kind: 'heartbeat' }
  | { kind: 'sequence'; seq: number }
  | { kind: 'ack'; instanceId: string; seq: number };

export const SEQUENCE_PREFIX = 's:';
export const ACK_PREFIX = 'a:';

const SEQ = /^[1-9]\d{0,15}$/;

/** Anything not recognised is a change: the cache drops everything for a payload it does not know, which is always safe. */
export function parseAccessPayload(payload: string): AccessPayload {
  if (payload === HEARTBEAT_PAYLOAD) return { kind: 'heartbeat' };
  if (payload.startsWith(SEQUENCE_PREFIX)) {
    const seq = payload.slice(SEQUENCE_PREFIX.length);
    if (SEQ.test(seq)) return { kind: 'sequence', seq: Number(seq) };
  } else if (payload.startsWith(ACK_PREFIX)) {
    const rest = payload.slice(ACK_PREFIX.length);
    const colon = rest.lastIndexOf(':');
    const instanceId = rest.slice(0, colon);
    const seq = rest.slice(colon + 1);
    if (colon > 0 && SEQ.test(seq)) return { kind: 'ack', instanceId, seq: Number(seq) };
  }
  return { kind: 'change' };
}

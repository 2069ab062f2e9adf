import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  /** Non-2xx answers, errors and timeouts: a run with any is not a valid figure. */
  failures: number;
  /** Server CPU time per request (user + system) during the measured run, when known. */
  cpuUsPerRequest: number | null;
}

/**
 * autocannon in this process (pinned to the load core). The requests are prebuilt and cycled by
 * every connection, so rotating among many tokens costs the load generator nothing per request.
 */
export async function httpLoad(options: {
  url: string;
  requests: { path: string; headers?: Record<string, string> }[];
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  serverCpuMs?: () => number | null;
}): Promise<LoadResult> {
  const requests = options.requests.map((request) => ({ method: 'GET', path: request.path, headers: request.headers ?? {} }));
  if (options.warmupSeconds > 0) await autocannon({ url: options.url, connections: options.connections, duration: options.warmupSeconds, requests });
  const cpuBefore = options.serverCpuMs?.() ?? null;
  const result = await autocannon({ url: options.url, connections: options.connections, duration: options.durationSeconds, requests });
  const cpuAfter = options.serverCpuMs?.() ?? null;
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
    cpuUsPerRequest: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
  };
}

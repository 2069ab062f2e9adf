import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pinned, type Machine } from './machine.ts';
import { buildServerMain } from './serverMain.ts';

/** Built once per benchmark run, on first use. */
let main: string | null = null;
export function serverMain(): string {
  main ??= buildServerMain();
  return main;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface RunningServer {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in bytes; null where /proc is missing. */
  peakRssBytes(): number | null;
  /** CPU time used so far (user + system), in milliseconds; null where /proc is missing. */
  cpuMs(): number | null;
  /** CPU time so far of libuv's pool threads (argon2 runs there) and of every other thread, in ms. */
  threadCpuMs(): { pool: number; other: number } | null;
  stop(): Promise<void>;
}

/** Starts a Node script pinned to the server core and waits for the line that carries its URL. */
export async function startPinnedProcess(
  machine: Machine,
  options: { script: string; args?: string[]; env: Record<string, string>; readyPattern: RegExp; timeoutMs?: number },
): Promise<RunningServer> {
  const [command, ...args] = pinned(machine, 'server', [process.execPath, options.script, ...(options.args ?? [])]);
  const child: ChildProcess = spawn(command as string, args, {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process did not become ready:\n${output}`)), options.timeoutMs ?? 60_000);
    const check = (): void => {
      const match = options.readyPattern.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code}:\n${output}`));
    };
    child.stdout?.on('data', check);
    child.on('exit', onExit);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('no pid');
  return {
    url,
    pid,
    peakRssBytes() {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match?.[1] ? Number(match[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    cpuMs() {
      try {
        // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
      } catch {
        return null;
      }
    },
    threadCpuMs() {
      try {
        let pool = 0;
        let other = 0;
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
          if (name === 'libuv-worker') pool += ms;
          else other += ms;
        }
        return { pool, other };
      } catch {
        return null;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `gatehouse serve` on the server core, against the given database environment. */
export function startGatehouse(machine: Machine, env: Record<string, string>): Promise<RunningServer> {
  return startPinnedProcess(machine, {
    script: serverMain(),
    args: ['serve'],
    env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    readyPattern: /listening on (http:\/\/\S+)/,
  });
}

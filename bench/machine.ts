import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** Core of the server under test and core of the load generator, when taskset can pin them. */
  pinning: { serverCore: number; loadCore: number } | null;
}

/** `taskset` exists and there are two cores to split: the server gets core 0, the load generator core 1. */
export function describeMachine(): Machine {
  const list = cpus();
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    pinning: hasTaskset && list.length >= 2 ? { serverCore: 0, loadCore: 1 } : null,
  };
}

/** argv to run `command` pinned to `core` (unpinned when taskset is missing). */
export function pinned(machine: Machine, core: 'server' | 'load', command: string[]): string[] {
  if (!machine.pinning) return command;
  const cpu = core === 'server' ? machine.pinning.serverCore : machine.pinning.loadCore;
  return ['taskset', '-c', String(cpu), ...command];
}

/** Pins this process (every thread) to the load generator's core. */
export function pinSelf(machine: Machine): void {
  if (!machine.pinning) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(machine.pinning.loadCore), String(process.pid)], { stdio: 'ignore' });
}

/** argv to run `command` on every core: children of this (pinned) process would otherwise inherit its core. */
export function allCores(machine: Machine, command: string[]): string[] {
  if (!machine.pinning) return command;
  return ['taskset', '-c', `0-${machine.cores - 1}`, ...command];
}

import type { AppDeps } from '../app/deps.ts';
import { graceSweepJob } from '../app/enforcement/sweepGraceDeadlines.ts';
import type { Job } from './jobRunner.ts';

/** Scheduled side effects of enforcement: grace deadlines reached (access itself never waits for a job). */
export function enforcementJobs(deps: AppDeps): Job[] {
  return [{ name: 'enforcement-grace-sweep', intervalMs: 5000, run: graceSweepJob(deps) }];
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * What `npm start` runs: src/ compiled to lib/ (tsconfig.build.json). The benchmark builds it
 * first, so the figures are of the current source and never of a stale build.
 */
export function buildServerMain(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  return fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
}

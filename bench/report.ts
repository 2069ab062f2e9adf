import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface Figure {
  name: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  /** null: informational, no target applies to this database. */
  met: boolean | null;
}

export interface Section {
  key: 'postgres' | 'pglite';
  title: string;
  facts: [string, string][];
  figures: Figure[];
  notes: string[];
}

const HEADER = `# Benchmarks

Produced by \`npm run bench\` (\`bench/run.ts\`): PostgreSQL when \`DATABASE_URL\` is set (a fresh
database per run, dropped afterwards), else the embedded database (PGlite in a temporary data
dir). Each run replaces its own section below and keeps the other. Each figure is measured beside
its own baseline in the same run; the server runs on one core and the load generator on the other
(\`taskset\`), and PostgreSQL, when used, shares both. Targets come from issue 5.
`;

const ORDER: Section['key'][] = ['postgres', 'pglite'];

function markers(key: Section['key']): [string, string] {
  return [`<!-- bench:${key} -->`, `<!-- /bench:${key} -->`];
}

function render(section: Section): string {
  const [open, close] = markers(section.key);
  const met = (value: boolean | null): string => (value === null ? '—' : value ? 'met' : '**not met**');
  const lines = [
    open,
    `## ${section.title}`,
    '',
    ...section.facts.map(([label, value]) => `- ${label}: ${value}`),
    '',
    '| figure | measured | baseline (same run) | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...section.figures.map((figure) => `| ${figure.name} | ${figure.measured} | ${figure.baseline} | ${figure.ratio} | ${figure.target} | ${met(figure.met)} |`),
    '',
    ...section.notes.map((note) => `- ${note}`),
    close,
  ];
  return lines.join('\n');
}

/**
 * Writes `section` into the file between its markers. Text outside the markers (analysis, history)
 * is kept as it is; a section seen for the first time goes after the others.
 */
export function writeSection(path: string, section: Section): void {
  let text = existsSync(path) ? readFileSync(path, 'utf8') : `${HEADER}\n${ORDER.map((key) => markers(key).join('\n_No run yet._\n')).join('\n\n')}\n`;
  const [open, close] = markers(section.key);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start === -1 || end === -1) text = `${text.trimEnd()}\n\n${render(section)}\n`;
  else text = text.slice(0, start) + render(section) + text.slice(end + close.length);
  writeFileSync(path, text);
}

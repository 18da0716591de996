/**
 * What `pcx` prints: the resource as JSON (`--output json`, for scripts), or plain-text tables
 * (`--output table`, the default). Results go to stdout; progress and errors to stderr.
 */

import { Progress, type ProgressStream } from './progress.js';

export type OutputFormat = 'json' | 'table';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export interface Writer {
  write(text: string): unknown;
}

const cell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(cell).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** Renders rows as an aligned text table with a header line. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)];
  return out.join('\n') + '\n';
}

/** Renders one resource's fields as `name: value` lines. */
export function renderFields(fields: readonly [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${cell(v)}`).join('\n') + '\n';
}

export class Output {
  constructor(
    readonly format: OutputFormat,
    private readonly stdout: Writer,
    private readonly stderr: ProgressStream,
    /** Progress while waiting (stderr): silenced by `--quiet`, unlike `info`. */
    readonly progress: Progress = new Progress('plain', stderr),
  ) {}

  /** Prints `data` as JSON, or as the tables `table` makes of it. */
  result(data: unknown, table: () => string): void {
    this.progress.clear();
    this.stdout.write(this.format === 'json' ? JSON.stringify(data, null, 2) + '\n' : table());
  }

  /** A warning, error or verbose line (stderr, so stdout stays parseable); `--quiet` keeps these. */
  info(line: string): void {
    this.progress.clear();
    this.stderr.write(line + '\n');
  }
}

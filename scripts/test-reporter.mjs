// A reporter for node's test runner (`node --test --test-reporter=./scripts/test-reporter.mjs`):
// one line per test file; under a failing file every failure in full (its name path, where it is, the
// error with its stack), then what that file printed to stdout/stderr; at the end the failing tests
// once more by name, then the runner's own summary (tests, suites, pass, fail, …, duration_ms) as the
// last lines. What a passing file prints (server logs, diagnostics) is not shown.
//
// With process isolation (the default) node 20 runs each file in its own process and reports it as a
// test at nesting 0 named by the file's path; its tests come at nesting 0 too, with `file` set. Reports
// of one file are emitted together, files in the order given, so a file is done when another file's
// report begins (or when the run's summary arrives). The exit code is the runner's, not ours.
import { relative } from 'node:path';
import { inspect } from 'node:util';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const red = (text) => paint(31, text);
const green = (text) => paint(32, text);
const dim = (text) => paint(2, text);

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text, by = '    ') => text.replace(/^(?=.)/gm, by);

/** The error a test threw (node wraps it in an ERR_TEST_FAILURE whose cause it is), without node's own frames. */
function describeError(error) {
  if (!error) return 'failed (no error reported)';
  const thrown = error.code === 'ERR_TEST_FAILURE' && error.cause !== undefined ? error.cause : error;
  const text = typeof thrown === 'string' ? thrown : inspect(thrown, { depth: 6, colors: color, breakLength: 100 });
  const kept = [];
  for (const line of text.split('\n')) {
    if (!/^\s+at .*\(?node:(internal\/|async_hooks)/.test(line)) kept.push(line);
    else if (line.endsWith(' {')) kept[kept.length - 1] += ' {'; // the error's own properties follow
  }
  return kept.join('\n');
}

/** Why a file's process failed when none of its tests did. */
function describeFileError(error) {
  if (error?.signal) return `its process was killed by ${error.signal}`;
  if (error?.exitCode) return `its process exited with code ${error.exitCode} (a load error, a failure outside any test, or process.exitCode)`;
  return describeError(error);
}

class FileReport {
  constructor(file) {
    this.file = file;
    this.tests = 0;
    this.failed = 0;
    this.cancelled = 0;
    this.skipped = 0;
    this.todo = 0;
    this.skippedSuites = 0; // node counts no test in them
    this.durationMs = undefined;
    this.passed = true;
    this.fileError = undefined;
    this.failures = []; // { path, error }: what failed on its own
    this.cancellations = new Map(); // why (the message) → the name paths of tests cancelled for it
    this.output = [];
    this.names = []; // the name path of the test being reported, by nesting
  }

  name() {
    return relative(process.cwd(), this.file) || this.file;
  }

  summaryLine() {
    const counts = [`${this.failed ? `${this.failed} of ` : ''}${this.tests} test${this.tests === 1 ? '' : 's'}${this.failed ? ' failed' : ''}`];
    if (this.cancelled) counts.push(`${this.cancelled} cancelled`);
    if (this.skipped) counts.push(`${this.skipped} skipped`);
    if (this.todo) counts.push(`${this.todo} todo`);
    if (this.skippedSuites) counts.push(`${this.skippedSuites} skipped suite${this.skippedSuites === 1 ? '' : 's'}`);
    const duration = this.durationMs === undefined ? '' : `  ${dim(seconds(this.durationMs))}`;
    const mark = this.passed ? green('✔') : red('✖');
    return `${mark} ${this.name()}  ${counts.join(', ')}${duration}\n`;
  }

  details() {
    if (this.passed) return '';
    let text = '';
    for (const f of this.failures) {
      // No line:column: under tsx they are of the compiled code; the stack below has the source's.
      text += `\n  ${red('✖')} ${f.path.join(' › ')}\n`;
      text += `${indent(describeError(f.error))}\n`;
    }
    // Cancelled tests (their suite's hook failed, the file timed out or ended first): one line each.
    for (const [why, paths] of this.cancellations) {
      text += `\n  ${red('✖')} cancelled: ${why}\n${paths.map((path) => `      ${path.join(' › ')}\n`).join('')}`;
    }
    if (this.failures.length === 0 && this.cancellations.size === 0) {
      // The file failed with no failing test: it did not load, exited non-zero, or left work running.
      text += `\n  ${red('✖')} the file itself failed: ${describeFileError(this.fileError)}\n`;
    }
    if (this.output.length > 0) {
      // All of it: what led to the failure may be anywhere in the file's run.
      text += `\n  ${dim(`what ${this.name()} printed:`)}\n${indent(this.output.join('').replace(/\n?$/, '\n'))}`;
    }
    return `${text}\n`;
  }
}

export default async function* fileReporter(source) {
  const reports = new Map();
  const finished = [];
  let reporting; // the file whose report node is emitting
  const summary = [];

  const reportOf = (file) => {
    let report = reports.get(file);
    if (!report) reports.set(file, (report = new FileReport(file)));
    return report;
  };
  function* finish(report) {
    if (!report || finished.includes(report)) return;
    finished.push(report);
    yield report.summaryLine();
    yield report.details();
  }

  for await (const { type, data } of source) {
    const file = data?.file;
    if (!file) {
      // The run's own summary: `tests 308`, `pass 306`, … `duration_ms 255011`.
      if (type === 'test:diagnostic') summary.push(data.message);
      else if (type === 'test:stdout' || type === 'test:stderr') yield data.message;
      continue;
    }
    const report = reportOf(file);
    if (type === 'test:stdout' || type === 'test:stderr') {
      report.output.push(data.message);
      continue;
    }
    if (type === 'test:diagnostic') {
      report.output.push(`# ${data.message}\n`);
      continue;
    }
    if (type === 'test:enqueue' || type === 'test:dequeue') continue;
    const isFile = data.nesting === 0 && data.name === file;
    if (type === 'test:complete' && isFile) {
      report.durationMs = data.details.duration_ms;
      if (!data.details.passed) {
        report.passed = false;
        report.fileError = data.details.error;
      }
      continue;
    }
    if (type === 'test:complete') continue;
    // test:start, test:plan, test:pass, test:fail: part of this file's report, which ends the previous one's.
    if (reporting !== report) {
      yield* finish(reporting);
      reporting = report;
    }
    if (type === 'test:start') {
      report.names.length = data.nesting;
      report.names.push(data.name);
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    if (isFile) {
      if (type === 'test:fail') report.passed = false;
      report.fileError ??= data.details.error;
      continue;
    }
    const suite = data.details.type === 'suite';
    if (suite && data.skip) report.skippedSuites += 1;
    if (!suite) {
      report.tests += 1;
      if (data.skip) report.skipped += 1;
      if (data.todo) report.todo += 1;
    }
    // A suite fails with its tests (counted there) or on its own, as when its hook throws.
    const error = data.details.error;
    if (type !== 'test:fail' || data.todo || error?.failureType === 'subtestsFailed') continue;
    report.passed = false;
    const path = [...report.names.slice(0, data.nesting), data.name];
    if (error?.failureType === 'cancelledByParent') {
      if (!suite) report.cancelled += 1;
      const why = String(error.cause?.message ?? error.message);
      report.cancellations.set(why, [...(report.cancellations.get(why) ?? []), path]);
    } else {
      if (!suite) report.failed += 1;
      report.failures.push({ path, error });
    }
  }
  yield* finish(reporting);
  for (const report of reports.values()) yield* finish(report);

  const failing = finished.flatMap((r) => {
    if (r.passed) return [];
    const names = r.failures.map((f) => `${r.name()} › ${f.path.join(' › ')}`);
    if (r.cancelled) names.push(`${r.name()}: ${r.cancelled} test${r.cancelled === 1 ? '' : 's'} cancelled`);
    return names.length > 0 ? names : [`${r.name()} (the file itself)`];
  });
  if (failing.length > 0) yield `\n${red('failing tests:')}\n${failing.map((name) => `  ${red('✖')} ${name}\n`).join('')}\n`;
  if (summary.length > 0 && failing.length === 0) yield '\n';
  for (const line of summary) yield `ℹ ${line}\n`;
}

/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`, what `npm run bench -- --profile` starts the server
 * with) and names where the time went: the functions with the most self time, and the time spent
 * inside each package or server module (inclusive).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  selfTop: { name: string; ms: number; pct: number }[];
  inclusiveByModule: { module: string; ms: number; pct: number }[];
}

const where = (url: string) =>
  url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/packages\//, 'packages/');

function moduleOf(url: string): string | undefined {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/packages\/server\/src\/(modules\/[^/]+|plugins\/[^/]+|db|auth)/.exec(url);
  if (own) return `server/${own[1].replace(/\.ts$/, '')}`;
  if (url.startsWith('node:')) return url.split('/')[0].replace(/^node:internal/, 'node');
  return undefined;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const byName = new Map<string, number>();
  const byModule = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    if (functionName === '(idle)') idle += us;
    const name = url ? `${functionName || '(anonymous)'} ${where(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
    byName.set(name, (byName.get(name) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const m = moduleOf(nodes.get(cur)!.callFrame.url);
      if (m && !seen.has(m)) {
        seen.add(m);
        byModule.set(m, (byModule.get(m) ?? 0) + us);
      }
    }
  }
  const pct = (us: number) => Math.round((1000 * us) / total) / 10;
  const ms = (us: number) => Math.round(us / 1000);
  return {
    file,
    totalMs: ms(total),
    idleMs: ms(idle),
    selfTop: [...byName].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: ms(us), pct: pct(us) })),
    inclusiveByModule: [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top).map(([module, us]) => ({ module, ms: ms(us), pct: pct(us) })),
  };
}

/** The main-thread profile of a directory `--cpu-prof-dir` wrote (the largest file). */
export function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const sized = files.map((f) => ({ f: join(dir, f), size: readFileSync(join(dir, f)).length }));
  return sized.sort((a, b) => b.size - a.size)[0]?.f;
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`profile ${s.file}: ${s.totalMs} ms sampled, ${s.idleMs} ms idle`, '  self time:'];
  for (const t of s.selfTop) lines.push(`  ${String(t.ms).padStart(7)} ms ${String(t.pct).padStart(5)} %  ${t.name}`);
  lines.push('  inclusive, by package or server module:');
  for (const t of s.inclusiveByModule) lines.push(`  ${String(t.ms).padStart(7)} ms ${String(t.pct).padStart(5)} %  ${t.module}`);
  return lines.join('\n');
}

// `node --import tsx scripts/bench/profile.ts FILE.cpuprofile|DIR`
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: profile.ts FILE.cpuprofile | DIR');
  const file = arg.endsWith('.cpuprofile') ? arg : mainProfile(arg);
  if (!file) throw new Error(`no .cpuprofile in ${arg}`);
  console.log(formatProfile(summarizeProfile(file, 30)));
}

/** The command line of a bench script: `--name=value` and bare `--flag` (true); `--help` prints `usage` and exits. */
export function parseArgs(usage: string, argv = process.argv.slice(2)) {
  const args = new Map<string, string>();
  for (const a of argv) {
    if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}\n${usage}`);
    args.set(m[1], m[2] ?? 'true');
  }
  /** A number option, `dflt` when absent; anything but a finite number ≥ 0 is refused. */
  const num = (name: string, dflt: number) => {
    const v = Number(args.get(name) ?? dflt);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number`);
    return v;
  };
  return { args, num };
}

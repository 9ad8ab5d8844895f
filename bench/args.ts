// Command-line flags of the bench scripts: `--name value` and `--name`.
const argv = process.argv.slice(2);

/** The value after `--name`, or undefined when the flag is absent (or has no value). */
export function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
}

/** The value after `--name`, or `fallback`. */
export function arg(name: string, fallback: string): string {
  return opt(name) ?? fallback;
}

/** Whether `--name` was given. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}

import { closestFlag } from './closestFlag.js';

/** camelCase -> kebab-case (yargs reports both spellings of an unknown flag). */
function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Rewrites a yargs failure message into one line: newlines folded, and "Unknown arguments: foo-bar,
 * fooBar" turned into "Unknown option --foo-bar (did you mean --foo-baz?)" — each flag once, with the
 * closest flag the command knows.
 */
export function usageMessage(msg: string, rawArgs: readonly string[], knownFlags: readonly string[]): string {
  const oneLine = msg.replace(/\s*\n\s*/g, '; ').trim();
  // yargs' choices failure: "Invalid values:; Argument: backend, Given: "zz", Choices: "sim", "gpu"".
  const choice = /^Invalid values?:; Argument: ([^,]+), Given: (.*), Choices: (.*)$/.exec(oneLine);
  if (choice) return `Expected one of ${choice[3]} for --${choice[1]} but received ${choice[2]}`;
  const m = /^Unknown arguments?: (.*)$/.exec(oneLine);
  if (!m) return oneLine;
  const given = new Set(rawArgs.filter((a) => a.startsWith('-')).map((a) => a.replace(/^-+/, '').split('=')[0]));
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const raw of m[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    // yargs lists `foo-bar` and its camelCase twin `fooBar`: report the spelling the user typed, once.
    const name = given.has(raw) ? raw : kebab(raw);
    if (seen.has(name)) continue;
    seen.add(name);
    if (!given.has(name) && !given.has(raw)) {
      parts.push(`unexpected argument "${raw}"`);
      continue;
    }
    const dashes = name.length === 1 ? '-' : '--';
    const near = closestFlag(name, knownFlags.filter((k) => !k.includes('$')));
    parts.push(`unknown option ${dashes}${name}${near ? ` (did you mean --${near}?)` : ''}`);
  }
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

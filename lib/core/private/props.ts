/*
 * Checks of props that TypeScript makes for its users but JavaScript users (and jsii languages)
 * do not get: a misspelt prop must be an error, not a setting silently left at its default.
 */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The known name closest to `name`, if one is close enough to be what was meant. */
function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const kl = k.toLowerCase();
    const d = kl.startsWith(lower) || lower.startsWith(kl) ? 1 : editDistance(lower, kl);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * One problem per prop of `props` that is not in `known`, each naming the prop, the closest known
 * prop where one is near, and the props allowed. `[]` when `props` is not an object.
 */
export function unknownPropProblems(props: unknown, known: readonly string[]): string[] {
  if (!props || typeof props !== 'object' || Array.isArray(props)) return [];
  return Object.keys(props)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const near = closest(key, known);
      return `unknown prop '${key}'${near ? ` (did you mean '${near}'?)` : ''}; the props are ${known.join(', ')}`;
    });
}

/**
 * Describes the first character of `value` that `allowed` (a one-character class) rejects, for
 * error messages: "a space at position 12". `undefined` when every character is allowed.
 */
export function firstInvalidCharacter(value: string, allowed: RegExp): string | undefined {
  const chars = [...value];
  const index = chars.findIndex((c) => !allowed.test(c));
  if (index < 0) return undefined;
  const c = chars[index];
  const name = c === ' ' ? 'a space' : /\s/.test(c) ? `a whitespace character (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})` : `'${c}'`;
  return `${name} at position ${index + 1}`;
}

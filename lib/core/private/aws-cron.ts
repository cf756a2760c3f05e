/*
 * AWS's six-field cron expressions (`cron(Minutes Hours Day-of-month Month Day-of-week Year)`), as
 * AWS Backup, EventBridge and EventBridge Scheduler take them. A bad expression is found at synth,
 * not when the deployment fails.
 */

const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';

interface Field { readonly name: string; readonly min: number; readonly max: number; readonly names?: string; readonly extra?: RegExp }

const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, extra: /^(\?|L|LW|([1-9]|[12][0-9]|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, extra: /^(\?|L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

function valueOk(v: string, f: Field): boolean {
  if (f.names && new RegExp(`^(${f.names})$`).test(v)) return true;
  if (!/^\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= f.min && n <= f.max;
}

function partOk(part: string, f: Field): boolean {
  if (f.extra?.test(part)) return true;
  const [range, step, ...rest] = part.split('/');
  if (rest.length > 0) return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
  if (range === '*') return true;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  return bounds.every((b) => valueOk(b, f));
}

/**
 * What is wrong with `expression` as an AWS cron expression, or `undefined` when it is valid.
 * Day-of-month and day-of-week cannot both be given: one of them must be `?`.
 */
export function awsCronProblem(expression: unknown): string | undefined {
  if (typeof expression !== 'string') return 'must be a string such as cron(0 3 * * ? *)';
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) return 'must be written cron(Minutes Hours Day-of-month Month Day-of-week Year)';
  const parts = m[1].trim().split(/\s+/);
  if (parts.length !== 6) return `must have 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${parts.length}`;
  for (let i = 0; i < 6; i++) {
    const f = FIELDS[i];
    if (!parts[i].split(',').every((p) => partOk(p.toUpperCase(), f))) {
      return `has an invalid ${f.name} field '${parts[i]}' (${f.min}-${f.max}${f.names ? ` or ${f.names.split('|').join(',')}` : ''}, *, ranges, lists, steps)`;
    }
  }
  if ((parts[2] === '?') === (parts[4] === '?')) return 'must have ? in exactly one of day-of-month and day-of-week';
  return undefined;
}

/** Whether the expression runs at least once a day (every day of every month). */
export function runsDaily(expression: string): boolean {
  const parts = /^cron\((.*)\)$/.exec(expression.trim())?.[1].trim().split(/\s+/) ?? [];
  return parts.length === 6 && ['*', '?'].includes(parts[2]) && parts[3] === '*' && ['*', '?'].includes(parts[4]) && parts[5] === '*';
}

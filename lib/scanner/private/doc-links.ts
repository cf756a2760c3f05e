import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';

/*
 * Where a SARIF log sends its reader: each rule's `helpUri` to the rule's section of RULES.md, the
 * tool's `informationUri` to the README. The package is not on a registry, so there is no page of
 * it to link; the links go to the repository named by package.json's `repository` field, at the
 * tag of the installed version (`https://github.com/o/r/blob/v1.2.3/RULES.md#anchor`), and until
 * the package names one, to the RULES.md and README.md the installed package ships (`files` in
 * package.json), as file:// URIs.
 */

/** The package.json of the installed package and its folder. */
export interface InstalledPackage {
  readonly dir: string;
  readonly version: string;
  /** package.json's `repository`: a URL, a shorthand (`github:o/r`, `o/r`) or `{ url, directory }`. */
  readonly repository?: unknown;
}

/** The installed package `name`, found from this file upwards; undefined when none is found. */
export function installedPackage(name: string, from: string = __dirname): InstalledPackage | undefined {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) return { dir, version: pkg.version, repository: pkg.repository };
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

const SHORTHAND_HOSTS: { readonly [prefix: string]: string } = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };

/**
 * The https address of the repository a package.json `repository` names, and the package's folder
 * in it; undefined when it names none or one that is not reachable over https.
 */
export function repositoryWebAddress(repository: unknown): { readonly url: string; readonly directory?: string } | undefined {
  const record = typeof repository === 'object' && repository !== null ? repository as { url?: unknown; directory?: unknown } : undefined;
  const given = typeof repository === 'string' ? repository : record?.url;
  if (typeof given !== 'string' || given.trim() === '') return undefined;
  let url = given.trim();
  const shorthand = /^(?:(github|gitlab|bitbucket):)?([\w.-]+\/[\w.-]+)$/.exec(url);
  if (shorthand) {
    url = `https://${SHORTHAND_HOSTS[shorthand[1] ?? 'github']}/${shorthand[2]}`;
  } else {
    url = url.replace(/^git\+/, '')
      .replace(/^git@([^:/]+):/, 'https://$1/')
      .replace(/^(?:git|ssh|http):\/\/(?:[^@/]+@)?/, 'https://');
  }
  url = url.replace(/\.git$/, '').replace(/\/+$/, '');
  // Only a plain https address of a repository: no credentials (https://token@host), query,
  // fragment or character a URI may not hold, so nothing of package.json's value leaks into a
  // report or breaks its links; anything else links the installed files instead.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.search || parsed.hash
    || !/^https:\/\/[A-Za-z0-9.-]+(?::\d+)?\/[\w.~%/-]+$/.test(url)) return undefined;
  const directory = typeof record?.directory === 'string' && record.directory !== '' ? record.directory.replace(/^\/+|\/+$/g, '') : undefined;
  return { url, ...(directory ? { directory } : {}) };
}

/**
 * The address of a file the package ships (`RULES.md`, `README.md`): in its repository at the
 * version's tag, or the installed file; undefined when the package cannot be found.
 */
export function packageFileUri(pkg: InstalledPackage | undefined, file: string, fragment?: string): string | undefined {
  if (!pkg) return undefined;
  const hash = fragment ? `#${fragment}` : '';
  const repo = repositoryWebAddress(pkg.repository);
  if (repo) return `${repo.url}/blob/v${pkg.version}/${repo.directory ? `${repo.directory}/` : ''}${file}${hash}`;
  return `${pathToFileURL(path.join(pkg.dir, file)).href}${hash}`;
}

/**
 * The heading of a rule's section in RULES.md (scripts/generate-rules-md.ts writes it), so the
 * anchor the SARIF links to is computed from the same text.
 */
export function rulesMdHeading(fullRuleId: string, info: string): string {
  return `${fullRuleId}: ${info.replace(/\|/g, '\\|').replace(/\n/g, ' ')}`;
}

/**
 * The anchor GitHub gives a heading (github-slugger, which GitHub's Markdown renderer uses):
 * lower case, every character but letters, marks, digits, connector punctuation (`_`), spaces and
 * hyphens dropped, each space a hyphen. RULES.md's headings are plain text (no inline markup, which
 * GitHub would render before slugging), and unique (a repeated heading would get `-1`).
 */
export function githubSlug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

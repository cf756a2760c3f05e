import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { ALL_RULES } from '../../lib';
import { main } from '../../lib/scanner/cli';
import {
  githubSlug, installedPackage, packageFileUri, repositoryWebAddress, rulesMdHeading,
} from '../../lib/scanner/private/doc-links';
import { sarifValidator } from './schemas';

/*
 * The SARIF log links each rule's section of RULES.md (helpUri) and the README (informationUri):
 * in the repository package.json names, at the version's tag, and until it names one, in the
 * installed package. Never a registry page: the package is not published.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const RULES_MD = fs.readFileSync(path.join(ROOT, 'RULES.md'), 'utf8');
/** The anchors GitHub gives RULES.md's headings. */
const ANCHORS = new Set([...RULES_MD.matchAll(/^#{1,6} +(.+?) *#*$/gm)].map((m) => githubSlug(m[1])));

function sarif(): any {
  let stdout = '';
  const code = main(['scan', path.join(__dirname, 'fixtures', 'insecure.yaml'), '--format', 'sarif', '--fail-on', 'none'], {
    stdout: (t) => { stdout += t; }, stderr: () => undefined,
  });
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

test('githubSlug gives the anchors GitHub gives (headings with punctuation, +, #, ${...}, dots, parentheses)', () => {
  expect(githubSlug('IoTSecurity-ID4: An IoT policy Deny statement uses the MQTT wildcards + or # in a topic or topic filter.'))
    .toBe('iotsecurity-id4-an-iot-policy-deny-statement-uses-the-mqtt-wildcards--or--in-a-topic-or-topic-filter');
  expect(githubSlug('IoTSecurity-INV1: The IoT resource has no tags, so its Security Hub tagging control (IoT.1 to IoT.6) fails.'))
    .toBe('iotsecurity-inv1-the-iot-resource-has-no-tags-so-its-security-hub-tagging-control-iot1-to-iot6-fails');
  expect(githubSlug('IoTSecurity-GW5: A role the AWS IoT credentials provider may assume gives every device the same data, not scoped by ${credentials-iot:ThingName}.'))
    .toBe('iotsecurity-gw5-a-role-the-aws-iot-credentials-provider-may-assume-gives-every-device-the-same-data-not-scoped-by-credentials-iotthingname');
  expect(githubSlug('What the pack reads')).toBe('what-the-pack-reads');
  expect(githubSlug('Snake_case and Ünïcode')).toBe('snake_case-and-ünïcode');
});

test('every rule\'s section heading is in RULES.md, and its anchor among RULES.md\'s', () => {
  for (const rule of ALL_RULES) {
    const heading = rulesMdHeading(`IoTSecurity-${rule.metadata.id}`, rule.metadata.info);
    expect(RULES_MD).toContain(`\n### ${heading}\n`);
    expect(ANCHORS).toContain(githubSlug(heading));
  }
});

test('the SARIF log links each rule\'s section of the installed RULES.md, and the installed README; it stays valid SARIF 2.1.0', () => {
  const log = sarif();
  const validate = sarifValidator();
  expect(validate(log) || validate.errors).toBe(true);
  const driver = log.runs[0].tool.driver;
  // Run from the repository, the installed package is the repository's root, and it names no repository yet.
  const rulesMd = pathToFileURL(path.join(ROOT, 'RULES.md')).href;
  expect(driver.informationUri).toBe(pathToFileURL(path.join(ROOT, 'README.md')).href);
  expect(driver.rules).toHaveLength(ALL_RULES.length);
  for (const rule of driver.rules) {
    const [file, anchor] = rule.helpUri.split('#');
    expect(file).toBe(rulesMd);
    expect(ANCHORS).toContain(anchor);
    expect(anchor.startsWith(`${rule.id.toLowerCase()}-`)).toBe(true);
  }
  expect(JSON.stringify(log)).not.toMatch(/npmjs\.com/);
});

describe('once package.json names the repository, links point into it at the version\'s tag', () => {
  const pkg = (repository: unknown) => ({ dir: '/opt/app/node_modules/cdk-secure-iot', version: '1.2.3', repository });

  test.each([
    ['https://github.com/acme/cdk-secure-iot', 'https://github.com/acme/cdk-secure-iot'],
    ['git+https://github.com/acme/cdk-secure-iot.git', 'https://github.com/acme/cdk-secure-iot'],
    ['git@github.com:acme/cdk-secure-iot.git', 'https://github.com/acme/cdk-secure-iot'],
    ['ssh://git@github.com/acme/cdk-secure-iot.git', 'https://github.com/acme/cdk-secure-iot'],
    ['acme/cdk-secure-iot', 'https://github.com/acme/cdk-secure-iot'],
    ['github:acme/cdk-secure-iot', 'https://github.com/acme/cdk-secure-iot'],
    ['gitlab:acme/cdk-secure-iot', 'https://gitlab.com/acme/cdk-secure-iot'],
    [{ type: 'git', url: 'https://github.com/acme/cdk-secure-iot.git' }, 'https://github.com/acme/cdk-secure-iot'],
  ])('%j', (repository, url) => {
    expect(packageFileUri(pkg(repository), 'RULES.md', 'iotsecurity-id1-x')).toBe(`${url}/blob/v1.2.3/RULES.md#iotsecurity-id1-x`);
    expect(packageFileUri(pkg(repository), 'README.md')).toBe(`${url}/blob/v1.2.3/README.md`);
  });

  test('a package in a folder of a monorepo links into that folder', () => {
    expect(packageFileUri(pkg({ type: 'git', url: 'https://github.com/acme/iot.git', directory: 'packages/cdk-secure-iot' }), 'RULES.md', 'a'))
      .toBe('https://github.com/acme/iot/blob/v1.2.3/packages/cdk-secure-iot/RULES.md#a');
  });

  test('without a repository, or with one not reachable over https, the installed files', () => {
    for (const repository of [undefined, '', { type: 'git' }, 'file:../elsewhere',
      // Credentials, a query or fragment, or characters a URI may not hold never reach a report.
      'https://token:secret@github.com/acme/cdk-secure-iot.git', 'https://github.com/acme/r?x=1#frag',
      'https://github.com/acme/r" onclick="x', 'https://github.com/acme/my repo']) {
      expect(repositoryWebAddress(repository)).toBeUndefined();
      expect(packageFileUri(pkg(repository), 'RULES.md', 'a')).toBe('file:///opt/app/node_modules/cdk-secure-iot/RULES.md#a');
    }
    expect(packageFileUri(undefined, 'RULES.md', 'a')).toBeUndefined();
  });

  test('the installed package is the repository\'s own when run from it', () => {
    expect(installedPackage('cdk-secure-iot')).toEqual({ dir: ROOT, version: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version, repository: undefined });
    expect(installedPackage('not-this-package')).toBeUndefined();
  });
});

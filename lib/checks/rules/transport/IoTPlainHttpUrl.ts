import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings, isObject, possibleValues, Unresolved } from '../../private/cfn-values';
import { DocumentSyntax, parsedDocuments, renderedForms } from '../../private/documents';
import { displaySegments, Evaluated, isJsonObject, Placeholders } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';

const JOB = 'AWS::IoT::Job';
const JOB_TEMPLATE = 'AWS::IoT::JobTemplate';
const COMPONENT_VERSION = 'AWS::GreengrassV2::ComponentVersion';

/** Where each type keeps the document devices act on, and how it is written. */
const DOCUMENTS: { readonly [type: string]: { readonly property: string; readonly syntax: DocumentSyntax } } = {
  [JOB]: { property: 'Document', syntax: 'json' },
  [JOB_TEMPLATE]: { property: 'Document', syntax: 'json' },
  [COMPONENT_VERSION]: { property: 'InlineRecipe', syntax: 'json-or-yaml' },
};

/** `http://` and the rest of the URL as written (the authority is cut from it by `authorityOf`). */
const HTTP_URL = /\bhttp:\/\/([^\s"'<>`\\]*)/gi;
/** A host and optional port, as an authority without user information has them. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]*\]|[^:@\[\]]*)(:\d*)?$/;
/**
 * Keys whose value devices do not fetch: schema and namespace identifiers, and what describes a
 * document to people (descriptions, a recipe's publisher and source-code link).
 */
const IDENTIFIER_KEY = /^(\$schema|\$id|xmlns(:.*)?|.*description|componentpublisher|componentsource)$/i;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0)$/i;
const MAX_DEPTH = 32;

/**
 * IoTSecurity-TLS3: what devices act on should not point them at a plain `http://` URL.
 *
 * Read: the job document of an `AWS::IoT::Job` or `AWS::IoT::JobTemplate` (`Document`, a JSON
 * string) and the values of a job's `DocumentParameters` (AWS managed templates such as
 * `AWS-Download-File` take the URL there), and the `InlineRecipe` (JSON or YAML) of an
 * `AWS::GreengrassV2::ComponentVersion`: its lifecycle scripts, artifacts and default
 * configuration. Every string value is searched for `http://` URLs; loopback hosts
 * (`localhost`, `127.x.x.x`, `::1`), the values of `$schema`, `$id` and `xmlns` keys
 * (identifiers, not downloads) and of descriptions (`*description`, a recipe's
 * `ComponentPublisher` and `ComponentSource`) are not findings. Findings: `PlainHttp::<host>` (user and port
 * left out, a deploy-time part shown as `${...}`), `Unresolved::<property>` for a document the
 * rule cannot read. A WARN: a URL in a document is only a download or upload once device code
 * uses it, which a template cannot show. A job document fetched from S3 (`DocumentSource`) is
 * not read.
 */
export const IoTPlainHttpUrl = defineRule({
  id: 'TLS3',
  practice: Practice.DATA_IN_TRANSIT,
  iotLens: ['IOTSEC10', 'IOTSEC12'],
  attackEnterprise: ['T1557', 'T1040', 'T1195.002'],
  attackIcs: ['T0830', 'T0842', 'T0862'],
  level: NagMessageLevel.WARN,
  info: 'A job document or Greengrass component recipe points devices at a plain http:// URL.',
  explanation: 'Devices follow job documents and recipes unattended: whatever they download or send over plain HTTP can be read and '
    + 'replaced by anyone on the path (a local network, a compromised router), so a firmware image, script or configuration can be '
    + 'swapped for the attacker\'s before the device runs it.',
  fix: 'Use https:// URLs; for files in S3 give the job document ${aws:iot:s3-presigned-url:https://...} so each device gets a '
    + 'short-lived HTTPS link, and give components their artifacts as s3:// artifacts of the recipe, which Greengrass verifies by digest.',
  resourceTypes: Object.keys(DOCUMENTS),
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const { property, syntax } = DOCUMENTS[node.cfnResourceType];
  const parameters = node.cfnResourceType === JOB ? props.DocumentParameters : undefined;
  if (props[property] === undefined && parameters === undefined) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Findings();
  for (const { document, ph } of parsedDocuments(node, props[property], syntax, property, findings)) {
    scan(document, ph, findings, 0);
  }
  if (parameters !== undefined) scanParameters(node, parameters, findings);
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

function scanParameters(node: CfnResource, parameters: unknown, findings: Findings): void {
  for (const map of possibleValues(node, parameters)) {
    if (map instanceof Unresolved) {
      findings.add('Unresolved', 'DocumentParameters');
      continue;
    }
    if (!isObject(map)) continue;
    for (const [key, value] of Object.entries(map)) {
      for (const form of renderedForms(node, value, `DocumentParameters.${key}`, findings)) scan(form.value, form.ph, findings, 0);
    }
  }
}

function scan(value: Evaluated | undefined, ph: Placeholders, findings: Findings, depth: number): void {
  if (depth > MAX_DEPTH || value === undefined || value === null || value instanceof Unresolved) return;
  if (typeof value === 'string') {
    for (const match of value.matchAll(HTTP_URL)) {
      const host = hostOf(displaySegments(ph.decode(authorityOf(match[1]))));
      if (!LOOPBACK.test(host)) findings.add('PlainHttp', host || '(empty host)');
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item) => scan(item, ph, findings, depth + 1));
    return;
  }
  if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!IDENTIFIER_KEY.test(key)) scan(item, ph, findings, depth + 1);
    }
  }
}

/**
 * The host and port of what follows `http://`, without user information, which may hold a password
 * and may itself hold `#`, `?`, `/` or `@` when written unencoded (`http://admin:p#ss@host/fw.bin`):
 * the authority ends at the first `/`, `?` or `#`, unless what comes before is no host and port
 * (`admin:p`) while an `@` follows, in which case the user information ends at the last `@` before
 * the path that follows it.
 */
function authorityOf(rest: string): string {
  const cut = (s: string) => s.slice(0, s.search(/[/?#]/) < 0 ? s.length : s.search(/[/?#]/));
  const authority = cut(rest);
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (HOST_PORT.test(host)) return host;
  // No host and port, and no `@` after: whatever follows a `:` is no port, and is left out.
  if (!rest.includes('@', authority.length)) return host.replace(/:.*$/, '');
  // Unencoded user information: the host follows the last `@` whose next part is a host and port.
  for (let at = rest.lastIndexOf('@'); at >= 0; at = at === 0 ? -1 : rest.lastIndexOf('@', at - 1)) {
    const candidate = cut(rest.slice(at + 1));
    if (candidate !== '' && HOST_PORT.test(candidate)) return candidate;
  }
  return '';
}

/** The host of an authority without user information, port left out. */
function hostOf(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1 || undefined);
  return authority.replace(/:\d*$/, '');
}

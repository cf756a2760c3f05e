import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { possibleValues, referencedParameter } from '../../private/cfn-values';
import { findParameterInStack, resolvedProperties } from '../../private/cfn';
import { customResourceSecrets } from '../../private/custom-resource-secrets';
import { isCustomResourceType } from '../../private/custom-resources';
import { findLiteralSecrets, secretParameterValues } from '../../private/secrets';
import { defineRule } from '../../rule-definition';

/** Metadata keys CDK and the nag tools write; never secrets, so never scanned. */
function isToolMetadataKey(key: string): boolean {
  return key.startsWith('aws:cdk:') || key === 'cdk_nag' || key === 'cfn_nag' || key === 'checkov';
}

/**
 * IoTSecurity-ID10: no private key or credential is written into the template.
 *
 * Looks at every resource (`'*'`), in its properties and its own `Metadata` (cfn-init files):
 * - `PrivateKey::<path>`: a private key in any string: a PEM block (escaped newlines too), or
 *   base64 or hex DER recognised by its structure (PKCS#1, PKCS#8, encrypted PKCS#8, SEC1,
 *   OpenSSH), also inside a base64-encoded script; public keys and certificates are not;
 * - `AccessKeyId::<path>`: an AWS access key ID (`AKIA`/`ASIA` and 16 more) in any string;
 * - `UrlCredentials::<path>`: a URL with a literal password (`postgres://u:p@host`, `redis://:p@host`);
 * - `LiteralSecret::<path>`: a literal under a secret's name (`DB_PASSWORD`, `clientSecret`,
 *   `API_KEY`, fused or abbreviated: `PGPASSWORD`, `MYSQL_PWD`, `MQTTPASS`, `REDIS_AUTH`,
 *   `WIFI_PSK`, LoRaWAN `AppKey`; an SSM parameter named `/app/${Env}/db/password`, a
 *   `{Name, Value}` environment entry), or an intrinsic there that still carries a literal: an
 *   `Fn::If` branch, an `Fn::Sub` without variables, the `Default` or `AllowedValues` of the
 *   parameter it names;
 * - `LiteralSecret::<path>[<name>]`: a secret assigned inside a string: a shell script
 *   (`export DB_PASSWORD=...`, `--password ...`, `mosquitto_passwd -b`, `echo user:... | chpasswd`,
 *   `Authorization: Bearer ...`), a connection string (`Password=...;`, `?password=...`), YAML
 *   text; a JSON document carried as a string is read as a document (`<path>.<key>`).
 *   `Fn::Sub` and `Fn::Join` are read joined, parameters standing for their default.
 *
 * On a custom resource it also reads what an `AwsCustomResource` writes through its API calls
 * (see `private/custom-resource-secrets.ts`): every call's parameters parsed out of the JSON string
 * CDK renders, an SSM `SecureString` value and a Secrets Manager `SecretString`/`SecretBinary`
 * written literally (`LiteralSecret::Create.parameters.Value`), whatever their names.
 *
 * Values CloudFormation fills at deploy (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`,
 * a `Ref` to a parameter without a default, `Fn::ImportValue`, `$VAR` in a script) are what the
 * rule asks for, so they never become findings, `Unresolved::` ones included; nor are numbers,
 * booleans, setting words, ARNs, parameter paths and secret names. Findings name the path, never
 * the value.
 */
export const IoTNoLiteralSecrets = defineRule({
  id: 'ID10',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC02', 'IOTSEC10'],
  attackEnterprise: ['T1552.001', 'T1552.004', 'T1078.004'],
  attackIcs: ['T0891', 'T0859'],
  level: NagMessageLevel.ERROR,
  info: 'The resource has a private key or credential written into the template.',
  explanation:
    'A template is copied to the cloud assembly, CI logs, the CloudFormation console and every clone of the repository; ' +
    'a credential in it is readable by all of them and cannot be rotated without a deployment.',
  fix:
    'Keep the secret in Secrets Manager (or an SSM SecureString) and reference it with a dynamic reference ' +
    "('{{resolve:secretsmanager:...}}') or SecretValue; give Lambda functions the secret's ARN, not its value; let scripts " +
    '(user data, component lifecycles) fetch the secret when they run (aws secretsmanager get-secret-value) instead of carrying it.',
  resourceTypes: ['*'],
}, (node: CfnResource): NagRuleResult => {
  const stack = Stack.of(node);
  const literalsOf = (intrinsic: { [key: string]: unknown }): string[] => {
    const fallback = referencedParameter(node, intrinsic)?.default;
    const literals = possibleValues(node, intrinsic).filter((v): v is string => typeof v === 'string');
    return typeof fallback === 'string' ? [fallback, ...literals] : literals;
  };
  const parameterValues = (name: string) => secretParameterValues(findParameterInStack(node, name));
  const findings = findLiteralSecrets(resolvedProperties(node), '', literalsOf, parameterValues);
  const metadata = node.cfnOptions.metadata;
  if (metadata && Object.keys(metadata).some((k) => !isToolMetadataKey(k))) {
    for (const [key, value] of Object.entries(metadata)) {
      if (!isToolMetadataKey(key)) findings.push(...findLiteralSecrets(stack.resolve(value), `Metadata.${key}`, literalsOf, parameterValues));
    }
  }
  // What an AwsCustomResource's API calls write (parsed out of their JSON strings).
  if (isCustomResourceType(node.cfnResourceType)) findings.push(...customResourceSecrets(node, literalsOf));
  return findings.length > 0 ? [...new Set(findings)] : NagRuleCompliance.COMPLIANT;
});

/*
 * The "Custom resources" section of RULES.md, generated from the mapping the pack reads
 * AwsCustomResource calls with (lib/checks/private/custom-resources.ts), so it cannot drift.
 */
import { API_CALLS } from '../lib/checks/private/custom-resources';

export function renderCustomResourcesSection(): string[] {
  const lines = [
    '## Custom resources',
    '',
    'A custom resource is judged as the native resource it stands for, by every rule of that native type, and its findings are '
      + 'reported on the custom resource (acknowledge them there). `AwsCustomResource` (`Custom::AWS`, any type whose `ServiceToken` '
      + 'is that provider\'s function, `AWS::CloudFormation::CustomResource` included) is read from its `Create` and `Update` calls '
      + '(also the older `create`/`update`, and booleans encoded as `TRUE:BOOLEAN`), each an object or a JSON string, `Fn::Join`/`Fn::Sub`-built '
      + 'included; each `Fn::If` branch is judged. Service names in any casing the SDKs accept (`Iot`, `IoT`, `iot`, `@aws-sdk/client-iot`), '
      + 'actions in camelCase or PascalCase, with or without SDK v3\'s `Command` suffix. Parameters are renamed to CloudFormation\'s casing '
      + '(first letter up, recursively; the renames below), and tokens inside them are `Ref`/`Fn::GetAtt` again, so references are followed as in the native resource.',
    '',
    '| API call | Judged as | Notes |',
    '|---|---|---|',
  ];
  for (const [call, m] of Object.entries(API_CALLS)) {
    const notes: string[] = [];
    if (m.partial) notes.push('update: judged only by rules that read a setting it makes');
    for (const [parent, renames] of Object.entries(m.rename ?? {})) {
      for (const [from, to] of Object.entries(renames)) notes.push(`\`${parent}.${from}\` is \`${parent}.${to}\``);
    }
    if (m.maps?.length) notes.push(`keys of ${m.maps.map((p) => `\`${p}\``).join(', ')} kept as written`);
    if (m.shape) notes.push(SHAPES[call] ?? 'reshaped');
    lines.push(`| \`${call}\` | \`${m.type}\` | ${notes.join('; ') || '-'} |`);
  }
  lines.push('',
    'IoT policies: `CreatePolicy`/`CreatePolicyVersion` (`policyDocument`) and the policies inside `CreateProvisioningTemplate`(`Version`)\'s '
      + '`templateBody` are analyzed by ID1-ID5. ID10 reads every call\'s parameters as any property (a `password` parameter, a PEM key), '
      + 'and an SSM `SecureString` value or a Secrets Manager `SecretString`/`SecretBinary` written literally is a literal secret whatever its name.',
    '',
    'Custom resources of any other provider: a `PolicyDocument` property (any casing; an object or a JSON string) is analyzed as an IoT policy when it reads as one '
      + '(no statement with a `Principal`/`NotPrincipal`, every action `*` or of `iot:`, `iotjobsdata:` or `greengrass:`; a bucket, key or domain policy is left alone); '
      + 'a role alias property (`RoleAlias`, `RoleAliasName`) beside a `RoleArn` is judged as an `AWS::IoT::RoleAlias` (GW1, GW2), so the role '
      + 'of the stack it names is judged as a credentials-provider role. What cannot be read is ID13\'s finding, `Unreadable::<what>`.',
    '',
    'Not read: calls of APIs not listed (they set nothing a rule checks, e.g. `CreateKeysAndCertificate`, whose key is returned, never written '
      + 'in the template), `Delete` calls, tags passed in a call (INV rules judge CloudFormation tags only), and what a Lambda-backed provider '
      + 'of your own does beyond its properties.',
    '');
  return lines;
}

const SHAPES: { [call: string]: string } = {
  'iot:attachpolicy': '`target` is `Principal`',
  'iot:attachprincipalpolicy': '`principal` is `Principal`',
  'iot:setv2loggingoptions': '`disableAllLogs: true` is `DefaultLogLevel: DISABLED`',
  'iot:setloggingoptions': '`loggingOptionsPayload.roleArn`/`logLevel` are `RoleArn`/`DefaultLogLevel`',
  'iot:setv2logginglevel': '`logTarget.targetType`/`targetName` are `TargetType`/`TargetName`',
  'iot:updateaccountauditconfiguration': 'check names (`LOGGING_DISABLED_CHECK`) are CloudFormation keys (`LoggingDisabledCheck`); `SNS` is `Sns`',
  'iot:createprovisioningtemplate': '`type` is `TemplateType`',
  'iot:updateprovisioningtemplate': '`type` is `TemplateType`',
  'secretsmanager:putsecretvalue': '`SecretId` is `Name`',
  'secretsmanager:updatesecret': '`SecretId` is `Name`',
};

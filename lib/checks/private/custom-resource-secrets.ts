import { CfnResource } from 'aws-cdk-lib';
import { resolvedProperties } from './cfn';
import { isIntrinsic, isObject } from './cfn-values';
import { findLiteralSecrets, isLiteralSecretValue } from './secrets';
import { nativeViewOf, sourceOf, StackModel } from './stack-model';

/**
 * The literal secrets an `AwsCustomResource` writes into the template through its API calls
 * (IoTSecurity-ID10), as `<kind>::<call>.parameters.<path>`:
 * - every call's parameters, parsed out of the JSON string CDK renders, scanned as any property
 *   is (a `password` parameter, a PEM private key, an access key ID);
 * - SSM `PutParameter` of a `SecureString`, whose `Value` is a secret whatever its name, and
 *   Secrets Manager `CreateSecret`/`PutSecretValue`/`UpdateSecret`, whose `SecretString` and
 *   `SecretBinary` are: written literally, they are a literal secret in the template.
 * `literalsOf` gives the literals an intrinsic still carries (a parameter's default).
 */
export function customResourceSecrets(node: CfnResource, literalsOf: (intrinsic: { [key: string]: unknown }) => string[]): string[] {
  const reading = StackModel.of(node).customResource(node);
  const findings: string[] = [];
  for (const call of reading.calls) {
    if (call.parameters !== undefined) findings.push(...findLiteralSecrets(call.parameters, `${call.key}.parameters`, literalsOf));
  }
  const literal = (value: unknown) => (typeof value === 'string' ? isLiteralSecretValue(value)
    : isObject(value) && isIntrinsic(value) && literalsOf(value).some(isLiteralSecretValue));
  for (const view of reading.views) {
    if (sourceOf(view) !== node) continue;
    const props = resolvedProperties(view);
    const source = nativeViewOf(view)?.source ?? 'Create';
    if (view.cfnResourceType === 'AWS::SSM::Parameter') {
      const type = typeof props.Type === 'string' ? props.Type.toUpperCase() : undefined;
      if (type === 'SECURESTRING' && literal(props.Value)) findings.push(`LiteralSecret::${source}.parameters.Value`);
    } else if (view.cfnResourceType === 'AWS::SecretsManager::Secret') {
      for (const key of ['SecretString', 'SecretBinary']) {
        if (literal(props[key])) findings.push(`LiteralSecret::${source}.parameters.${key}`);
      }
    }
  }
  return [...new Set(findings)];
}

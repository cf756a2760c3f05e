import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { secretFlowFindings } from '../../private/secret-flows';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID11: a secret that a resource returns, or that the template resolves, is never
 * written where it is plain text.
 *
 * Looks at every resource (`'*'`) and at the stack's outputs, once per stack. A private key or
 * other secret returned as an attribute (`Fn::GetAtt X.PrivateKey`, `X.keyPair.PrivateKey` of an
 * `AwsCustomResource` calling `CreateKeysAndCertificate`, `${X.PrivateKey}` in `Fn::Sub`, the
 * `SecretAccessKey` of an `AWS::IAM::AccessKey`, a Cognito client's `ClientSecret`) and written
 * into EC2 or launch template `UserData`, a Lambda environment, another environment, an `Output`,
 * an SSM parameter (String or StringList: CloudFormation writes no other), a tag, cfn-init
 * metadata or any property of another resource (Secrets Manager's `SecretString` excepted) is
 * reported on the resource whose attribute leaks: `Flow::PrivateKey->UserData:Gateway`. A secret
 * parked in a same-stack SSM parameter, or put in one by an `AwsCustomResource` call to
 * `ssm:PutParameter` (not `SecureString`), is followed to whoever reads it back (`Fn::GetAtt P.Value`,
 * `{{resolve:ssm:<name>}}`): `Flow::PrivateKey->SsmParameter:P->LambdaEnvironment:Fn`; an
 * `AwsCustomResource` call that stores it in Secrets Manager is where it belongs. A `{{resolve:secretsmanager:...}}` or
 * `{{resolve:ssm-secure:...}}` reference resolved into user data, an environment, a tag, an SSM
 * parameter or metadata is reported on that resource: `Flow::SecretsManager->UserData`.
 * A custom resource of a home-made provider that creates device keys (its role may call
 * `iot:CreateKeysAndCertificate` or `iot:CreateProvisioningClaim`, or its inline code calls them,
 * see `custom-resource-providers.ts`) returns the private key under any key-named attribute
 * (`Key`, `KeyPair`, `DeviceKey`), followed as above; when its inline code (`Code.ZipFile`, SAM
 * `InlineCode`) also puts an S3 object, an SSM parameter that is not a `SecureString` or a DynamoDB
 * item, the key is taken to land there: `Flow::PrivateKey->S3Object:<function>` on the custom
 * resource (Secrets Manager and `SecureString` are where it belongs; where the pack cannot tell
 * where it goes, ID13 says `Unreadable::Provider[creates-keys]`).
 * Findings name the attribute and the sink, never the value.
 */
export const IoTNoSecretFlows = defineRule({
  id: 'ID11',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC02', 'IOTSEC05', 'IOTSEC10'],
  attackEnterprise: ['T1552.001', 'T1552.004', 'T1552.005', 'T1078.004'],
  attackIcs: ['T0891', 'T0859'],
  level: NagMessageLevel.ERROR,
  info: 'A private key or secret returned by a resource, or resolved by the template, is written where it is plain text (user data, an environment, an output, an SSM String parameter, a tag, another resource).',
  explanation:
    'User data, Lambda and container environments, stack outputs, SSM String parameters, tags and resource properties are readable '
    + 'by anyone who may describe the resource (ec2:DescribeInstanceAttribute, lambda:GetFunctionConfiguration, '
    + 'cloudformation:DescribeStacks, ssm:GetParameter, tag:GetResources) and are copied to consoles and logs; a device private key or a '
    + 'credential there is as good as published.',
  fix:
    'Keep the secret where it was made or in Secrets Manager (a custom resource that creates keys should store the private key in a '
    + 'secret and return its ARN), pass the ARN or name instead of the value, and read the value at run time with the SDK (Lambda, '
    + 'the instance role, Greengrass secret manager). Never output a secret.',
  resourceTypes: ['*'],
}, (node: CfnResource): NagRuleResult => {
  const findings = secretFlowFindings(node);
  return findings.length > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
});

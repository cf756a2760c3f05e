import { CfnResource, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagRuleResult } from 'cdk-nag';
import { IoTCertificateSharedByThings } from '../../lib/checks/rules/certificates/IoTCertificateSharedByThings';
import { IoTCognitoRoleNoIotControl } from '../../lib/checks/rules/gateway/IoTCognitoRoleNoIotControl';
import { IoTCredentialsProviderRoleLeastPrivilege } from '../../lib/checks/rules/gateway/IoTCredentialsProviderRoleLeastPrivilege';
import { IoTNoSecretFlows } from '../../lib/checks/rules/identity/IoTNoSecretFlows';
import { IoTPolicyNoWildcardActions } from '../../lib/checks/rules/iot-policy/IoTPolicyNoWildcardActions';
import { IoTGreengrassDeploymentStagedRollout } from '../../lib/checks/rules/updates/IoTGreengrassDeploymentStagedRollout';
import { IoTJobAbortConfigured } from '../../lib/checks/rules/updates/IoTJobAbortConfigured';
import { IoTJobStagedRollout } from '../../lib/checks/rules/updates/IoTJobStagedRollout';
import { cfnResources, check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from './rule-test-helpers';

/** The rule's findings on every resource of the stack, by logical ID (non-arrays left out). */
function findingsByResource(rule: (node: CfnResource) => NagRuleResult, stack: Stack): { [id: string]: NagRuleResult } {
  const out: { [id: string]: NagRuleResult } = {};
  for (const r of cfnResources(stack)) {
    const result = check(rule, r);
    if (Array.isArray(result) && result.length > 0) out[stack.resolve(r.logicalId)] = result;
  }
  return out;
}

function byLogicalId(stack: Stack, id: string): CfnResource {
  const found = cfnResources(stack).find((r) => stack.resolve(r.logicalId) === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

const SUB_THING = 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${Thing}';

describe('F8: a thing ARN whose name is filled at deploy names one thing (UPD1/UPD2/UPD6/UPD7)', () => {
  test('Compliance: Fn::Sub of a thing of the stack, of a parameter, Fn::Join with a Ref; Greengrass TargetArn', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { CoreName: { Type: 'String' } },
      Resources: {
        Thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'pump-7' } },
        J1: { Type: 'AWS::IoT::Job', Properties: { JobId: 'a', Document: '{}', Targets: [{ 'Fn::Sub': SUB_THING }] } },
        J2: { Type: 'AWS::IoT::Job', Properties: { JobId: 'b', Document: '{}', Targets: [{ 'Fn::Sub': 'arn:aws:iot:us-east-1:111122223333:thing/${CoreName}' }] } },
        J3: {
          Type: 'AWS::IoT::Job',
          Properties: {
            JobId: 'c', Document: '{}',
            Targets: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:us-east-1:111122223333:thing/', { Ref: 'Thing' }]] }],
          },
        },
        Dep: {
          Type: 'AWS::GreengrassV2::Deployment',
          Properties: { TargetArn: { 'Fn::Sub': SUB_THING }, Components: { 'aws.greengrass.Nucleus': { ComponentVersion: '2.12.0' } } },
        },
      },
    });
    for (const id of ['J1', 'J2', 'J3']) {
      for (const rule of [IoTJobStagedRollout, IoTJobAbortConfigured]) expect(check(rule, byLogicalId(stack, id))).toEqual(COMPLIANT);
    }
    expect(check(IoTGreengrassDeploymentStagedRollout, byLogicalId(stack, 'Dep'))).toEqual(COMPLIANT);
  });

  test('Noncompliance: a thing group, a wildcard after the placeholder, two segments, a whole ARN from a parameter', () => {
    const stack = newStack();
    const targets = [
      'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thinggroup/${Thing}',
      'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${Thing}*',
      'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${Thing}/x',
      '${TargetArn}',
    ];
    includeTemplate(stack, {
      Parameters: { TargetArn: { Type: 'String' } },
      Resources: {
        Thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'pump-7' } },
        ...Object.fromEntries(targets.map((t, i) => [`J${i}`, { Type: 'AWS::IoT::Job', Properties: { JobId: `j${i}`, Document: '{}', Targets: [{ 'Fn::Sub': t }] } }])),
        Dep: {
          Type: 'AWS::GreengrassV2::Deployment',
          Properties: { TargetArn: { 'Fn::Sub': targets[0] }, Components: { 'aws.greengrass.Nucleus': { ComponentVersion: '2.12.0' } } },
        },
      },
    });
    targets.forEach((_, i) => expect(check(IoTJobStagedRollout, byLogicalId(stack, `J${i}`))).toEqual(['Missing::JobExecutionsRolloutConfig']));
    expect(check(IoTGreengrassDeploymentStagedRollout, byLogicalId(stack, 'Dep'))).not.toEqual(COMPLIANT);
  });
});

describe('F6: another provider\'s PolicyDocument is an IoT policy only when it reads as one (ID1)', () => {
  test('Compliance: bucket, key and domain policies carried by custom resources (object, JSON string, any casing) are not judged', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Bucket: {
          Type: 'Custom::CrossAccountBucketPolicy',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cr',
            PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:*', Resource: '*' }] },
          },
        },
        Key: {
          Type: 'Custom::KmsGrant',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cr',
            PolicyDocument: '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}',
          },
        },
        NoPrincipal: {
          Type: 'AWS::CloudFormation::CustomResource',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cr',
            policyDocument: { Statement: [{ Effect: 'Allow', Action: ['es:*', 'iot:Publish'], Resource: '*' }] },
          },
        },
      },
    });
    expect(findingsByResource(IoTPolicyNoWildcardActions, stack)).toEqual({});
  });

  test('Noncompliance: an IoT-shaped PolicyDocument (iot:*, or *) on a custom resource is still analyzed', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        IotPol: {
          Type: 'Custom::MyIotPolicy',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cr',
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] },
          },
        },
        StarPol: {
          Type: 'Custom::MyIotPolicy',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cr',
            PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":"*"}]}',
          },
        },
      },
    });
    const found = findingsByResource(IoTPolicyNoWildcardActions, stack);
    expect(Object.keys(found).sort()).toEqual(['IotPol', 'StarPol']);
  });
});

describe('F4/F5: ID11 secret flows', () => {
  test('Compliance: a custom resource\'s endpoint address and role alias attributes are no secrets (UserData, Output)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Endpoints: { Type: 'Custom::IotEndpoints', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:ep' } },
        Gw: {
          Type: 'AWS::EC2::Instance',
          Properties: {
            ImageId: 'ami-12345678',
            UserData: {
              'Fn::Base64': {
                'Fn::Sub': 'echo "credEndpoint=${Endpoints.CredentialEndpointAddress}" >> /etc/gg.conf\n'
                  + 'java -jar Greengrass.jar --tes-role-alias-name ${Endpoints.TokenExchangeRoleAlias} --u ${Endpoints.SecretArn}\n',
              },
            },
          },
        },
      },
      Outputs: { CredEndpoint: { Value: { 'Fn::GetAtt': ['Endpoints', 'CredentialEndpointAddress'] } } },
    });
    expect(findingsByResource(IoTNoSecretFlows, stack)).toEqual({});
  });

  test('Noncompliance: a secret attribute of the same custom resource still flows (UserData, Output)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Endpoints: { Type: 'Custom::IotEndpoints', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:ep' } },
        Gw: {
          Type: 'AWS::EC2::Instance',
          Properties: { ImageId: 'ami-12345678', UserData: { 'Fn::Base64': { 'Fn::Sub': 'echo ${Endpoints.CredentialSecret} > /etc/x\n' } } },
        },
      },
      Outputs: { Key: { Value: { 'Fn::GetAtt': ['Endpoints', 'PrivateKey'] } } },
    });
    expect(findingsByResource(IoTNoSecretFlows, stack)).toEqual({
      Endpoints: ['Flow::CredentialSecret->UserData:Gw', 'Flow::PrivateKey->Output:Key'],
    });
  });

  test('Compliance (F5): a Cognito client secret given to an EventBridge connection (L2 OAuth) is stored by EventBridge in Secrets Manager', () => {
    const stack = newStack();
    const pool = new cognito.UserPool(stack, 'Pool');
    const client = pool.addClient('M2M', {
      generateSecret: true,
      oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.custom('api/read')] },
    });
    new events.Connection(stack, 'Conn', {
      authorization: events.Authorization.oauth({
        authorizationEndpoint: 'https://auth.example.com/oauth2/token',
        clientId: client.userPoolClientId,
        clientSecret: client.userPoolClientSecret,
        httpMethod: events.HttpMethod.POST,
      }),
    });
    expect(findingsByResource(IoTNoSecretFlows, stack)).toEqual({});
  });

  test('Noncompliance (F5 twin): the same client secret in an ordinary property of another resource is a flow', () => {
    const stack = newStack();
    const pool = new cognito.UserPool(stack, 'Pool');
    const client = pool.addClient('M2M', { generateSecret: true, oAuth: { flows: { clientCredentials: true } } });
    new CfnResource(stack, 'Other', { type: 'AWS::SNS::Topic', properties: { DisplayName: client.userPoolClientSecret.unsafeUnwrap() } });
    const found = findingsByResource(IoTNoSecretFlows, stack);
    expect(Object.values(found).flat().some((f) => typeof f === 'string' && f.includes('->Property:Other'))).toBe(true);
  });
});

describe('F9: ID20 and resource conditions that exclude each other', () => {
  const template = (devCondition: unknown) => ({
    Parameters: { Env: { Type: 'String', AllowedValues: ['prod', 'dev'] } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, IsDev: devCondition },
    Resources: {
      Cert: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: 'csr', Status: 'ACTIVE' } },
      AProd: {
        Type: 'AWS::IoT::ThingPrincipalAttachment', Condition: 'IsProd',
        Properties: { ThingName: 'gw-prod', Principal: { 'Fn::GetAtt': ['Cert', 'Arn'] } },
      },
      ADev: {
        Type: 'AWS::IoT::ThingPrincipalAttachment', Condition: 'IsDev',
        Properties: { ThingName: 'gw-dev', Principal: { 'Fn::GetAtt': ['Cert', 'Arn'] } },
      },
    },
  });

  test('Compliance: IsDev is Fn::Not [IsProd], or Fn::Equals of the same parameter to another value', () => {
    for (const dev of [{ 'Fn::Not': [{ Condition: 'IsProd' }] }, { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] }]) {
      const stack = newStack();
      includeTemplate(stack, template(dev));
      expect(findingsByResource(IoTCertificateSharedByThings, stack)).toEqual({});
    }
  });

  test('Noncompliance: conditions that can both hold (another parameter, Fn::Or) still share the certificate', () => {
    for (const dev of [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, { 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['a', 'a'] }] }]) {
      const stack = newStack();
      includeTemplate(stack, template(dev));
      expect(Object.keys(findingsByResource(IoTCertificateSharedByThings, stack)).sort()).toEqual(['ADev', 'AProd']);
    }
  });
});

describe('Trust principals built around AWS::URLSuffix are recognised (GW3, GW4)', () => {
  test('Noncompliance: credentials provider role by Fn::Join and Fn::Sub, Cognito role by Federated Fn::Join', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        R1: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: { 'Fn::Join': ['', ['credentials.iot.', { Ref: 'AWS::URLSuffix' }]] } }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
          },
        },
        R2: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: { 'Fn::Sub': 'credentials.iot.${AWS::URLSuffix}' } }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
          },
        },
        R3: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Federated: { 'Fn::Join': ['', ['cognito-identity.', { Ref: 'AWS::URLSuffix' }]] } }, Action: 'sts:AssumeRoleWithWebIdentity' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:AttachPolicy', Resource: '*' }] } }],
          },
        },
      },
    });
    expect(check(IoTCredentialsProviderRoleLeastPrivilege, byLogicalId(stack, 'R1'))).not.toEqual(NOT_APPLICABLE);
    expect(check(IoTCredentialsProviderRoleLeastPrivilege, byLogicalId(stack, 'R1'))).not.toEqual(COMPLIANT);
    expect(check(IoTCredentialsProviderRoleLeastPrivilege, byLogicalId(stack, 'R2'))).not.toEqual(COMPLIANT);
    expect(check(IoTCognitoRoleNoIotControl, byLogicalId(stack, 'R3'))).toEqual(['Action::iot:AttachPolicy']);
  });

  test('Compliance: CDK ServicePrincipal roles with least privilege; another service by URLSuffix is not a credentials provider role', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    const other = new CfnResource(stack, 'Other', {
      type: 'AWS::IAM::Role',
      properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: { 'Fn::Sub': 'lambda.${AWS::URLSuffix}' } }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
      },
    });
    expect(check(IoTCredentialsProviderRoleLeastPrivilege, other)).toEqual(NOT_APPLICABLE);
    expect(check(IoTCognitoRoleNoIotControl, other)).toEqual(NOT_APPLICABLE);
    expect(checkType(IoTCredentialsProviderRoleLeastPrivilege, role, 'AWS::IAM::Role')).toEqual(NOT_APPLICABLE);
  });
});

describe('F12: GW4 and iot:DescribeEndpoint on a Cognito role', () => {
  const cognitoRole = (actions: string[]) => {
    const stack = newStack();
    return new CfnResource(stack, 'R', {
      type: 'AWS::IAM::Role',
      properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] },
        Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] } }],
      },
    });
  };

  test('Compliance: iot:DescribeEndpoint (a read of no resource) is not reported', () => {
    expect(check(IoTCognitoRoleNoIotControl, cognitoRole(['iot:DescribeEndpoint']))).toEqual(COMPLIANT);
  });

  test('Noncompliance: a read of a resource, a fleet listing, an audit finding, or a wildcard that reaches a write', () => {
    expect(check(IoTCognitoRoleNoIotControl, cognitoRole(['iot:DescribeThing', 'iot:ListThings', 'iot:DescribeAuditFinding', 'iot:Describe*']))).toEqual([
      'Action::iot:Describe*', 'Action::iot:DescribeAuditFinding', 'Action::iot:DescribeThing', 'Action::iot:ListThings',
    ]);
  });
});

import { arnOf, callTarget, nameOf, withEnvironment, policyOf, principalPolicy, resolveValue, roleOf, stateMachineDefinition, TEST_ENV } from './iam';
import { synthesizedStacks, type CfnTemplate } from './synthesized';

const { partition: P, region: R, account: A } = TEST_ENV;
const iotArn = (rest: string) => `arn:${P}:iot:${R}:${A}:${rest}`;

/** A template with one role whose inline policy holds `statements`. */
function roleWith(...statements: object[]): CfnTemplate {
  return {
    Resources: {
      MyRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'inline', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
        },
      },
    },
  };
}

describe('statement semantics', () => {
  test('Allow grants, nothing else does, and an explicit Deny wins', () => {
    const t = roleWith(
      { Effect: 'Allow', Action: 'iot:UpdateCertificate', Resource: iotArn('cert/*') },
      { Effect: 'Deny', Action: 'iot:UpdateCertificate', Resource: iotArn('cert/protected') },
    );
    const p = principalPolicy(t, 'MyRole');
    expect(p.isAllowed('iot:UpdateCertificate', iotArn('cert/abc'))).toBe(true);
    expect(p.isAllowed('iot:UpdateCertificate', iotArn('cert/protected'))).toBe(false);
    expect(p.isAllowed('iot:DeleteCertificate', iotArn('cert/abc'))).toBe(false);
    expect(p.explain('iot:UpdateCertificate', iotArn('cert/protected'))).toMatch(/DENIED[\s\S]*denied by:/);
  });

  test('action globs match case-insensitively, resource globs case-sensitively over the whole ARN', () => {
    const p = policyOf({ Statement: [
      { Effect: 'Allow', Action: 'IOT:describe*', Resource: iotArn('thing/sensor-?') },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
    ] });
    expect(p.isAllowed('iot:DescribeThing', iotArn('thing/sensor-1'))).toBe(true);
    expect(p.isAllowed('iot:describething', iotArn('thing/sensor-1'))).toBe(true);
    expect(p.isAllowed('iot:DescribeThing', iotArn('thing/sensor-12'))).toBe(false);
    expect(p.isAllowed('iot:DescribeThing', iotArn('thing/SENSOR-1'))).toBe(false);
    expect(p.isAllowed('iot:UpdateThing', iotArn('thing/sensor-1'))).toBe(false);
    // `*` crosses `/` (and `:`): IAM globs the whole ARN.
    expect(p.isAllowed('s3:GetObject', 'arn:aws:s3:::bucket/a/b/c')).toBe(true);
    expect(p.isAllowed('s3:GetObject', 'arn:aws:s3:::bucket2/a')).toBe(false);
    // A thing pattern does not grant the certificate.
    expect(p.isAllowed('iot:DescribeThing', iotArn('cert/sensor-1'))).toBe(false);
  });

  test('NotAction and NotResource', () => {
    const p = policyOf({ Statement: [
      { Effect: 'Allow', NotAction: 'iot:Delete*', Resource: '*' },
      { Effect: 'Deny', Action: 'iot:*', NotResource: iotArn('thing/*') },
    ] });
    expect(p.isAllowed('iot:DescribeThing', iotArn('thing/a'))).toBe(true);
    expect(p.isAllowed('iot:DeleteThing', iotArn('thing/a'))).toBe(false);
    expect(p.isAllowed('iot:UpdateCertificate', iotArn('cert/a'))).toBe(false);
    expect(p.isAllowed('s3:GetObject', 'arn:aws:s3:::b/k')).toBe(true);
  });

  test('conditions are evaluated against the request context; an absent key fails unless IfExists', () => {
    const p = policyOf({ Statement: [
      { Effect: 'Allow', Action: 'sns:Publish', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': A } } },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnLikeIfExists: { 'aws:SourceArn': iotArn('rule/*') } } },
    ] });
    expect(p.isAllowed('sns:Publish', '*', { 'aws:SourceAccount': A })).toBe(true);
    expect(p.isAllowed('sns:Publish', '*', { 'aws:SourceAccount': '999999999999' })).toBe(false);
    expect(p.isAllowed('sns:Publish', '*')).toBe(false);
    expect(p.isAllowed('sqs:SendMessage', '*')).toBe(true);
    expect(p.isAllowed('sqs:SendMessage', '*', { 'aws:SourceArn': iotArn('rule/x') })).toBe(true);
    expect(p.isAllowed('sqs:SendMessage', '*', { 'aws:SourceArn': iotArn('thing/x') })).toBe(false);
  });
});

describe('where a role gets its policies', () => {
  test('AWS::IAM::Policy and ManagedPolicy attached by Roles, Users and Groups, customer managed by ARN, known AWS-managed by name', () => {
    const t: CfnTemplate = {
      Resources: {
        MyRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {},
            ManagedPolicyArns: [
              { Ref: 'ByArn' },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] },
              'arn:aws:iam::aws:policy/AdministratorAccess',
            ],
          },
        },
        Other: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'other-role', AssumeRolePolicyDocument: {} } },
        Inline: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyName: 'p', Roles: [{ Ref: 'MyRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:DescribeThing', Resource: '*' }] } },
        },
        ByName: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { Roles: ['other-role'], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:DeleteThing', Resource: '*' }] } },
        },
        ByArn: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:UpdateThing', Resource: '*' }] } },
        },
        Group: { Type: 'AWS::IAM::Group', Properties: {} },
        User: { Type: 'AWS::IAM::User', Properties: { Groups: [{ Ref: 'Group' }] } },
        GroupPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: { PolicyName: 'g', Groups: [{ Ref: 'Group' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:ListThings', Resource: '*' }] } },
        },
      },
    };
    const mine = principalPolicy(t, 'MyRole');
    expect(mine.isAllowed('iot:DescribeThing', iotArn('thing/a'))).toBe(true);
    expect(mine.isAllowed('iot:UpdateThing', iotArn('thing/a'))).toBe(true);
    expect(mine.isAllowed('logs:PutLogEvents', `arn:aws:logs:${R}:${A}:log-group:g:log-stream:s`)).toBe(true);
    expect(mine.isAllowed('iot:DeleteThing', iotArn('thing/a'))).toBe(false);
    expect(mine.unknownManagedPolicies).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
    expect(principalPolicy(t, 'Other').isAllowed('iot:DeleteThing', iotArn('thing/a'))).toBe(true);
    expect(principalPolicy(t, 'Other').isAllowed('iot:DescribeThing', iotArn('thing/a'))).toBe(false);
    expect(principalPolicy(t, 'User').isAllowed('iot:ListThings', '*')).toBe(true);
    expect(principalPolicy(t, 'Group').isAllowed('iot:ListThings', '*')).toBe(true);
  });

  test('a permissions boundary intersects', () => {
    const t = roleWith({ Effect: 'Allow', Action: 'iot:*', Resource: '*' });
    (t.Resources as any).Boundary = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Describe*', Resource: '*' }] } },
    };
    t.Resources.MyRole.Properties.PermissionsBoundary = { Ref: 'Boundary' };
    const p = principalPolicy(t, 'MyRole');
    expect(p.isAllowed('iot:DescribeThing', '*')).toBe(true);
    expect(p.isAllowed('iot:DeleteThing', '*')).toBe(false);
  });
});

describe('intrinsics and the template\'s own names', () => {
  const t: CfnTemplate = {
    Parameters: { Prefix: { Type: 'String', Default: 'sensor' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, R] } },
    Resources: {
      Group: { Type: 'AWS::IoT::ThingGroup', Properties: { ThingGroupName: { 'Fn::Sub': '${Prefix}-fleet' } } },
      Unnamed: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: {} } },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {
        RoleArn: { 'Fn::GetAtt': ['MyRole', 'Arn'] },
        DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:', { Ref: 'AWS::Partition' },
          ':states:::aws-sdk:iot:addThingToThingGroup","Parameters":{"ThingGroupArn":"', { 'Fn::GetAtt': ['Group', 'Arn'] }, '","Topic":"${Topic}"},"End":true}}}']] },
        DefinitionSubstitutions: { Topic: { Ref: 'Topic' } },
      } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'my-fn', Role: { 'Fn::GetAtt': ['MyRole', 'Arn'] } } },
      MyRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {}, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [
        { Effect: 'Allow', Action: 'iot:AddThingToThingGroup', Resource: [{ 'Fn::GetAtt': ['Group', 'Arn'] }, { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${Prefix}-*' }] },
        { Effect: 'Allow', Action: 'sns:Publish', Resource: { 'Fn::If': ['IsProd', { Ref: 'Topic' }, { Ref: 'AWS::NoValue' }] } },
      ] } }] } },
    },
  };

  test('Ref, GetAtt, Join, Sub, If and pseudo parameters resolve under TEST_ENV', () => {
    expect(resolveValue(t, { 'Fn::Sub': '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${Prefix}' })).toBe(`${P}:${R}:${A}:sensor`);
    expect(resolveValue(t, { 'Fn::GetAtt': ['Group', 'Arn'] })).toBe(iotArn('thinggroup/sensor-fleet'));
    expect(resolveValue(t, { Ref: 'Group' })).toBe('sensor-fleet');
    expect(resolveValue(t, { Ref: 'Unnamed' })).toBe('Unnamed');
    expect(resolveValue(t, { Ref: 'Topic' })).toBe(`arn:${P}:sns:${R}:${A}:Topic`);
    expect(resolveValue(t, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b'] }] })).toBe('b');
    expect(resolveValue(t, [{ Ref: 'AWS::NoValue' }, 'x'])).toEqual(['x']);
    expect(nameOf(t, 'Fn')).toBe('my-fn');
    expect(arnOf(t, 'Fn')).toBe(`arn:${P}:lambda:${R}:${A}:function:my-fn`);
  });

  test('the ARN a definition names is the ARN the policy grants', () => {
    const def = stateMachineDefinition(t, 'Machine');
    const params = def.States.A.Parameters;
    expect(params.Topic).toBe(arnOf(t, 'Topic'));
    const target = callTarget('iot', 'addThingToThingGroup', { ThingGroupArn: params.ThingGroupArn, ThingName: 'sensor-1' });
    const policy = principalPolicy(t, roleOf(t, 'Machine'));
    for (const r of target.resources) expect(policy.isAllowed(target.iamAction, r)).toBe(true);
    expect(policy.isAllowed('iot:AddThingToThingGroup', iotArn('thing/camera-1'))).toBe(false);
    expect(policy.isAllowed('sns:Publish', arnOf(t, 'Topic'))).toBe(true);
  });

  test('roleOf follows Role/RoleArn of functions, state machines, topic rule actions and provisioning templates', () => {
    expect(roleOf(t, 'Fn')).toBe('MyRole');
    expect(roleOf(t, 'Machine')).toBe('MyRole');
    const rule: CfnTemplate = { Resources: {
      ...t.Resources,
      Other: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      Rule: { Type: 'AWS::IoT::TopicRule', Properties: { TopicRulePayload: {
        Actions: [{ StepFunctions: { RoleArn: { 'Fn::GetAtt': ['MyRole', 'Arn'] } } }],
        ErrorAction: { CloudwatchLogs: { RoleArn: { 'Fn::GetAtt': ['Other', 'Arn'] } } },
      } } },
      Template: { Type: 'AWS::IoT::ProvisioningTemplate', Properties: { ProvisioningRoleArn: { 'Fn::GetAtt': ['Other', 'Arn'] } } },
    } };
    expect(() => roleOf(rule, 'Rule')).toThrow(/several roles/);
    expect(roleOf(rule, 'Rule', 'Actions.0')).toBe('MyRole');
    expect(roleOf(rule, 'Rule', 'ErrorAction')).toBe('Other');
    expect(roleOf(rule, 'Template')).toBe('Other');
    expect(() => roleOf(rule, 'Topic')).toThrow(/no role/);
  });
});

describe('callTarget', () => {
  test('IoT calls are authorized on the resource types the Service Authorization Reference gives', () => {
    expect(callTarget('iot', 'updateCertificate', { CertificateId: 'abc' })).toEqual({ iamAction: 'iot:UpdateCertificate', resources: [iotArn('cert/abc')] });
    expect(callTarget('iot', 'AttachThingPrincipal', { ThingName: 't', Principal: iotArn('cert/abc') }))
      .toEqual({ iamAction: 'iot:AttachThingPrincipal', resources: [iotArn('cert/abc')] });
    expect(callTarget('iot', 'attachPolicy', { PolicyName: 'p', Target: iotArn('thinggroup/g') })).toEqual({ iamAction: 'iot:AttachPolicy', resources: [iotArn('thinggroup/g')] });
    expect(callTarget('iot', 'detachPolicy', { policyName: 'p', target: iotArn('cert/abc') }).resources).toEqual([iotArn('cert/abc')]);
    expect(callTarget('iot', 'listAttachedPolicies', { Target: iotArn('cert/abc') })).toEqual({ iamAction: 'iot:ListAttachedPolicies', resources: ['*'] });
    expect(callTarget('iot', 'createCertificateFromCsr', {})).toEqual({ iamAction: 'iot:CreateCertificateFromCsr', resources: ['*'] });
    expect(callTarget('iot', 'AddThingToThingGroupCommand', { thingGroupName: 'g', thingName: 't' }).resources).toEqual([iotArn('thinggroup/g'), iotArn('thing/t')]);
    expect(callTarget('iot-data', 'publish', { topic: 'a/b' })).toEqual({ iamAction: 'iot:Publish', resources: [iotArn('topic/a/b')] });
  });

  test('other services', () => {
    expect(callTarget('lambda', 'invoke', { FunctionName: 'f' })).toEqual({ iamAction: 'lambda:InvokeFunction', resources: [`arn:${P}:lambda:${R}:${A}:function:f`] });
    expect(callTarget('sfn', 'sendTaskSuccess', { taskToken: 't', output: '{}' })).toEqual({ iamAction: 'states:SendTaskSuccess', resources: ['*'] });
    expect(callTarget('sfn', 'startExecution', { stateMachineArn: 'arn:x' })).toEqual({ iamAction: 'states:StartExecution', resources: ['arn:x'] });
    expect(callTarget('dynamodb', 'UpdateItemCommand', { TableName: 't' }).resources).toEqual([`arn:${P}:dynamodb:${R}:${A}:table/t`]);
    expect(callTarget('sns', 'publish', { TopicArn: 'arn:t' }).resources).toEqual(['arn:t']);
    expect(callTarget('sqs', 'sendMessage', { QueueUrl: `https://sqs.${R}.amazonaws.com/${A}/q` }).resources).toEqual([`arn:${P}:sqs:${R}:${A}:q`]);
    expect(callTarget('s3', 'headObject', { Bucket: 'b', Key: 'k' })).toEqual({ iamAction: 's3:GetObject', resources: ['arn:aws:s3:::b/k'] });
    expect(callTarget('s3', 'getObject', { Bucket: 'b', Key: 'k', VersionId: 'v' }).iamAction).toBe('s3:GetObjectVersion');
    expect(callTarget('s3', 'copyObject', { Bucket: 'b', Key: 'k', CopySource: 'src/a/b?versionId=1' })).toEqual({
      iamAction: 's3:PutObject', resources: ['arn:aws:s3:::b/k'], also: [{ iamAction: 's3:GetObjectVersion', resources: ['arn:aws:s3:::src/a/b'] }],
    });
    expect(callTarget('signer', 'putSigningProfile', { profileName: 'p' })).toEqual({ iamAction: 'signer:PutSigningProfile', resources: ['*'] });
    expect(callTarget('signer', 'startSigningJob', { profileName: 'p' }).resources).toEqual([`arn:${P}:signer:${R}:${A}:/signing-profiles/p`]);
    expect(callTarget('ssm', 'getParameter', { Name: '/a/b' }).resources).toEqual([`arn:${P}:ssm:${R}:${A}:parameter/a/b`]);
    expect(callTarget('eventbridge', 'putEvents', { Entries: [{ Source: 's' }] }).resources).toEqual([`arn:${P}:events:${R}:${A}:event-bus/default`]);
  });

  test('withEnvironment follows a pinned stack\'s account and region, and restores TEST_ENV', () => {
    const t: CfnTemplate = { Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'f' } } } };
    withEnvironment('aws://333333333333/us-east-1', () => {
      expect(callTarget('iot', 'describeThing', { thingName: 't' }).resources).toEqual(['arn:aws:iot:us-east-1:333333333333:thing/t']);
      expect(arnOf(t, 'Fn')).toBe('arn:aws:lambda:us-east-1:333333333333:function:f');
      expect(resolveValue(t, { Ref: 'AWS::AccountId' })).toBe('333333333333');
    });
    withEnvironment('aws://unknown-account/unknown-region', () => expect(arnOf(t, 'Fn')).toBe(`arn:${P}:lambda:${R}:${A}:function:f`));
    expect(TEST_ENV).toEqual({ partition: P, region: R, account: A });
  });

  test('an unknown call throws, naming it; a missing parameter names the parameter', () => {
    expect(() => callTarget('iot', 'createTopicRule', {})).toThrow(/iot\.createTopicRule/);
    expect(() => callTarget('nosuch', 'doIt', {})).toThrow(/unknown SDK service 'nosuch'/);
    expect(() => callTarget('iot', 'updateCertificate', {})).toThrow(/parameter certificateId/);
  });
});

describe('over the synthesized apps', () => {
  test('every role\'s policies and every state machine\'s definition resolve, and each Lambda function and state machine has its role', () => {
    let roles = 0;
    for (const { app, stack, template } of synthesizedStacks()) {
      for (const [id, r] of Object.entries(template.Resources)) {
        const where = `${app}/${stack}/${id}`;
        try {
          if (r.Type === 'AWS::IAM::Role') {
            principalPolicy(template, id);
            roles++;
          }
          if (r.Type === 'AWS::StepFunctions::StateMachine') {
            expect(JSON.stringify(stateMachineDefinition(template, id))).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
            roleOf(template, id);
          }
          if (r.Type === 'AWS::Lambda::Function') roleOf(template, id);
        } catch (e) {
          throw new Error(`${where}: ${(e as Error).message}`);
        }
      }
    }
    expect(roles).toBeGreaterThan(10);
  }, 600_000);
});

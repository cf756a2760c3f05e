import { CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IoTPolicyDataPlaneScopedToThing as ID2 } from '../../lib/checks/rules';
import { checkType, COMPLIANT, includeTemplate, newStack } from './rule-test-helpers';

/** The policy-analysis classes of issue 7, each in L1, CfnInclude'd templates and custom resources. */
const ARN = 'arn:aws:iot:us-east-1:123456789012';
const THING = '${iot:Connection.Thing.ThingName}';
const POLICY = 'AWS::IoT::Policy';
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });

function l1(document: object): Stack {
  const stack = newStack();
  new iot.CfnPolicy(stack, 'Policy', { policyDocument: document });
  return stack;
}

function included(document: object): Stack {
  const stack = newStack();
  includeTemplate(stack, { Resources: { Policy: { Type: POLICY, Properties: { PolicyDocument: document } } } });
  return stack;
}

function customResource(document: object): Stack {
  const stack = newStack();
  new cr.AwsCustomResource(stack, 'CreatePolicy', {
    onCreate: {
      service: 'Iot', action: 'createPolicy',
      parameters: { policyName: 'p', policyDocument: Fn.toJsonString(document) },
      physicalResourceId: cr.PhysicalResourceId.of('p'),
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
  });
  return stack;
}

/** ID2's result on the policy, built each of the three ways. */
function id2(document: object): unknown[] {
  return [checkType(ID2, l1(document), POLICY), checkType(ID2, included(document), POLICY), checkType(ID2, customResource(document), 'Custom::AWS')];
}

describe('a wildcard right after a thing identity is not scoped', () => {
  test.each([
    `${ARN}:client/${THING}*`,
    `${ARN}:topic/$aws/things/${THING}*/shadow/update`,
    `${ARN}:thing/${THING}*`,
  ])('Noncompliance: %s reaches every thing whose name starts with the device\'s', (resource) => {
    const action = resource.includes(':client/') ? 'iot:Connect' : resource.includes(':topic/') ? 'iot:Publish' : 'iot:UpdateThingShadow';
    expect(id2(doc(allow(action, resource)))).toEqual(Array(3).fill([`Resource::${resource}`]));
  });

  test('Noncompliance: a literal naming prefix plus * spans a family of clients (client/sensor-*)', () => {
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/sensor-*`)))).toEqual(Array(3).fill([`Resource::${ARN}:client/sensor-*`]));
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/site_a:*`)))).toEqual(Array(3).fill([`Resource::${ARN}:client/site_a:*`]));
  });

  test('Compliance: the exact identity; one literal thing name plus * (the Greengrass core device\'s suffixed client IDs); a name ended by a character no thing name holds', () => {
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/${THING}`)))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/MyGreengrassCore*`)))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/${THING}#*`)))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Publish', `${ARN}:topic/$aws/things/${THING}/shadow/*`)))).toEqual(Array(3).fill(COMPLIANT));
  });
});

describe('conditions: values of one key are ORed, and a Deny that decidably applies is credited', () => {
  const attachedIs = (values: unknown, op = 'Bool') => ({ Condition: { [op]: { 'iot:Connection.Thing.IsAttached': values } } });

  test('Noncompliance: IsAttached [true, false] lets any client in, so Connect on * is unscoped', () => {
    expect(id2(doc(allow('iot:Connect', '*', attachedIs(['true', 'false']))))).toEqual(Array(3).fill(['Resource::*']));
  });

  test('Compliance: IsAttached [true] (and true as a boolean) binds the client ID', () => {
    expect(id2(doc(allow('iot:Connect', '*', attachedIs(['true']))))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Connect', '*', attachedIs(true))))).toEqual(Array(3).fill(COMPLIANT));
  });

  test('Compliance: a Deny of iot:Connect when the thing is not attached makes a broader Allow of Connect safe', () => {
    expect(id2(doc(allow('iot:Connect', '*'), deny('iot:Connect', '*', attachedIs('false'))))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/*`), deny(['iot:*'], `${ARN}:client/*`, attachedIs(['false']))))).toEqual(Array(3).fill(COMPLIANT));
  });

  test('Noncompliance: a Deny whose condition cannot be decided, or that covers less, is not credited', () => {
    // Conservative: an undecidable condition may not apply.
    const undecidable = deny('iot:Connect', '*', { Condition: { StringNotEquals: { 'aws:SourceVpc': 'vpc-1' } } });
    expect(id2(doc(allow('iot:Connect', '*'), undecidable))).toEqual(Array(3).fill(['Resource::*']));
    // IsAttached ORed with true is no condition that the thing be attached.
    expect(id2(doc(allow('iot:Connect', '*'), deny('iot:Connect', '*', attachedIs(['false', 'true']))))).toEqual(Array(3).fill(['Resource::*']));
    // A Deny on one client does not take the rest away.
    expect(id2(doc(allow('iot:Connect', '*'), deny('iot:Connect', `${ARN}:client/admin`, attachedIs('false'))))).toEqual(Array(3).fill(['Resource::*']));
    // NotResource: what it leaves out is not decided.
    expect(id2(doc(allow('iot:Publish', `${ARN}:topic/*`), { Effect: 'Deny', Action: 'iot:Publish', NotResource: `${ARN}:topic/x` })))
      .toEqual(Array(3).fill([`Resource::${ARN}:topic/*`]));
  });

  test('Allow minus Deny: an unconditional Deny of the same action on a resource covering the Allow\'s takes it away', () => {
    expect(id2(doc(allow('iot:Publish', `${ARN}:topic/*`), deny('iot:Publish', `${ARN}:topic/*`)))).toEqual(Array(3).fill(COMPLIANT));
    expect(id2(doc(allow('iot:Publish', `${ARN}:topic/fleet/*`), deny('iot:*', `${ARN}:topic/*`)))).toEqual(Array(3).fill(COMPLIANT));
    // Only the denied action goes: Subscribe stays, on its own resource type.
    expect(id2(doc(allow(['iot:Publish', 'iot:Subscribe'], '*'), deny('iot:Publish', '*')))).toEqual(Array(3).fill(['Resource::*']));
    // A narrower Deny leaves the rest of the Allow.
    expect(id2(doc(allow('iot:Publish', `${ARN}:topic/*`), deny('iot:Publish', `${ARN}:topic/admin/*`)))).toEqual(Array(3).fill([`Resource::${ARN}:topic/*`]));
  });
});

describe('provisioning template parameters are per-device only when the device supplies them and they name the thing', () => {
  function template(parameters: object, thingName: unknown, clientId: string): Stack {
    const stack = newStack();
    new iot.CfnProvisioningTemplate(stack, 'Template', {
      provisioningRoleArn: 'arn:aws:iam::123456789012:role/p',
      templateBody: JSON.stringify({
        Parameters: parameters,
        Resources: {
          thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: thingName } },
          policy: { Type: POLICY, Properties: { PolicyDocument: doc(allow('iot:Connect', { 'Fn::Join': ['', [`${ARN}:client/`, { Ref: clientId }]] })) } },
        },
      }),
    });
    return stack;
  }
  const T = 'AWS::IoT::ProvisioningTemplate';

  test('Compliance: the serial number the device supplies, which names its thing', () => {
    expect(checkType(ID2, template({ SerialNumber: { Type: 'String' } }, { Ref: 'SerialNumber' }, 'SerialNumber'), T)).toEqual(COMPLIANT);
    expect(checkType(ID2, template({ SerialNumber: { Type: 'String' } }, { 'Fn::Join': ['', ['sensor-', { Ref: 'SerialNumber' }]] }, 'SerialNumber'), T)).toEqual(COMPLIANT);
  });

  test('Noncompliance: a parameter with a Default, or a shared value such as a site, does not scope the policy', () => {
    expect(checkType(ID2, template({ SerialNumber: { Type: 'String', Default: 'unknown' } }, { Ref: 'SerialNumber' }, 'SerialNumber'), T))
      .toEqual([`Resource::${ARN}:client/\${SerialNumber}`]);
    expect(checkType(ID2, template({ SerialNumber: { Type: 'String' }, Site: { Type: 'String' } }, { Ref: 'SerialNumber' }, 'Site'), T))
      .toEqual([`Resource::${ARN}:client/\${Site}`]);
  });

  test('just-in-time provisioning: the certificate\'s common name is the device\'s, its organization is shared (plain template)', () => {
    const body = (field: string) => JSON.stringify({
      Resources: {
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } } },
        policy: { Type: POLICY, Properties: { PolicyDocument: doc(allow('iot:Connect', { 'Fn::Sub': `${ARN}:client/\${${field}}` })) } },
      },
    });
    for (const [field, expected] of [['AWS::IoT::Certificate::CommonName', COMPLIANT], ['AWS::IoT::Certificate::Organization', [`Resource::${ARN}:client/\${AWS::IoT::Certificate::Organization}`]]] as const) {
      const stack = newStack();
      includeTemplate(stack, {
        Resources: { Ca: { Type: 'AWS::IoT::CACertificate', Properties: { CACertificatePem: 'pem', Status: 'ACTIVE', RegistrationConfig: { TemplateBody: body(field) } } } },
      });
      expect(checkType(ID2, stack, 'AWS::IoT::CACertificate')).toEqual(expected);
    }
  });
});

describe('things by ARN', () => {
  test('Compliance: a resource built from one thing\'s Fn::GetAtt Arn names that thing (L1, CfnInclude, custom resource)', () => {
    const document = (thingArn: unknown) => doc(allow(['iot:GetThingShadow', 'iot:UpdateThingShadow'], [thingArn, { 'Fn::Join': ['', [thingArn, '/*']] }]));
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'Thing', { thingName: 'pump-1' });
    new iot.CfnPolicy(stack, 'Policy', { policyDocument: document(thing.attrArn) });
    expect(checkType(ID2, stack, POLICY)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, {
      Resources: {
        Thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'pump-1' } },
        Policy: { Type: POLICY, Properties: { PolicyDocument: doc(allow('iot:UpdateThingShadow', { 'Fn::Sub': '${Thing.Arn}/*' })) } },
      },
    });
    expect(checkType(ID2, s2, POLICY)).toEqual(COMPLIANT);

    const s3 = newStack();
    const t3 = new iot.CfnThing(s3, 'Thing', { thingName: 'pump-1' });
    new CfnResource(s3, 'Raw', { type: POLICY, properties: { PolicyDocument: doc(allow('iot:UpdateThingShadow', Fn.join('', [t3.attrArn, '/*']))) } });
    expect(checkType(ID2, s3, POLICY)).toEqual(COMPLIANT);
  });

  test('Noncompliance: the ARN of another kind of resource, then /*, is no thing', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Group: { Type: 'AWS::IoT::ThingGroup', Properties: { ThingGroupName: 'g' } },
        Policy: { Type: POLICY, Properties: { PolicyDocument: doc(allow('iot:UpdateThingShadow', { 'Fn::Sub': '${Group.Arn}/*' })) } },
      },
    });
    expect(checkType(ID2, stack, POLICY)).toEqual(['Resource::${Group.Arn}/*']);
  });
});

describe('a fleet provisioning claim policy', () => {
  const TEMPLATE_TOPICS = [
    `${ARN}:topic/$aws/certificates/create-from-csr/*`,
    `${ARN}:topic/$aws/provisioning-templates/line-sensors/provision/*`,
  ];
  const FILTERS = [
    `${ARN}:topicfilter/$aws/certificates/create-from-csr/*`,
    `${ARN}:topicfilter/$aws/provisioning-templates/line-sensors/provision/*`,
  ];
  const claim = (client: string, ...extra: object[]) => doc(
    allow('iot:Connect', `${ARN}:client/${client}`),
    allow(['iot:Publish', 'iot:Receive'], TEMPLATE_TOPICS),
    allow('iot:Subscribe', FILTERS),
    ...extra,
  );

  test('Compliance: a family of claim client IDs, when the policy reaches only the provisioning topics of its template (a shared claim certificate by design, which cannot take a device\'s client ID)', () => {
    expect(id2(claim('provisioning-*'))).toEqual(Array(3).fill(COMPLIANT));
  });

  test('Noncompliance: the same family once the policy also reaches another topic: the family is one cause, the topic another', () => {
    const telemetry = `${ARN}:topic/telemetry/*`;
    expect(id2(claim('provisioning-*', allow('iot:Publish', telemetry)))).toEqual(Array(3).fill([`Resource::${ARN}:client/provisioning-*`, `Resource::${telemetry}`]));
  });

  test('Noncompliance: a claim policy on every client ID (client/*): a claim holder could take over a device\'s client ID and disconnect it', () => {
    expect(id2(claim('*'))).toEqual(Array(3).fill([`Resource::${ARN}:client/*`]));
  });

  test('Noncompliance: a family of client IDs with no topic at all is not a claim policy', () => {
    expect(id2(doc(allow('iot:Connect', `${ARN}:client/provisioning-*`)))).toEqual(Array(3).fill([`Resource::${ARN}:client/provisioning-*`]));
  });
});

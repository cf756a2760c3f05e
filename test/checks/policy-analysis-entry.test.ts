import { IotPolicyFindings, PolicyAnalysis } from '../../lib';
import { analyzePolicyDocument } from '../../lib/checks/private/iot-policy-analyzer';

/** The public entry point constructs judge policies through (DevicePolicy, GreengrassCoreCredentials). */
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

test('analyzeIotPolicy finds what the IoT policy rules find, one list per rule', () => {
  const document = doc(
    { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: { 'Fn::ImportValue': 'topic' } },
  );
  const findings: IotPolicyFindings = PolicyAnalysis.analyzeIotPolicy(document);
  expect(findings).toEqual(analyzePolicyDocument(document));
  expect(findings.wildcardActions).toEqual(['Action::iot:*']);
  expect(findings.unresolved.length).toBeGreaterThan(0);
});

test('analyzeIotPolicy reads a JSON-string document and never throws', () => {
  const scoped = doc({ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}' });
  expect(PolicyAnalysis.analyzeIotPolicy(JSON.stringify(scoped))).toEqual({
    wildcardActions: [], unscopedDataPlane: [], controlPlane: [], denyMqttWildcards: [], unresolved: [],
  });
  expect(() => PolicyAnalysis.analyzeIotPolicy('{ not json')).not.toThrow();
  expect(PolicyAnalysis.analyzeIotPolicy('{ not json').unresolved).toEqual(['Unresolved::PolicyDocument']);
});

test('findingValue writes an ARN as the findings do, naming what CloudFormation fills in', () => {
  expect(PolicyAnalysis.findingValue({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/*']] }))
    .toBe('arn:${AWS::Partition}:s3:::${Bucket}/*');
  expect(PolicyAnalysis.findingValue('arn:aws:s3:::bucket/*')).toBe('arn:aws:s3:::bucket/*');
  expect(PolicyAnalysis.findingValue({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toBe('${Bucket.Arn}');
});

import { CfnResource } from 'aws-cdk-lib';
import * as ggv2 from 'aws-cdk-lib/aws-greengrassv2';
import { IoTGreengrassDebugConsoleHttps as GW6 } from '../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from './rule-test-helpers';

const TYPE = 'AWS::GreengrassV2::Deployment';
const TARGET = 'arn:aws:iot:us-east-1:123456789012:thinggroup/cores';

describe('GW6 Greengrass local debug console over HTTPS', () => {
  test('Noncompliance: httpsEnabled false in the merge document (L1), as a string "false" (plain template), or in one Fn::If branch', () => {
    const stack = newStack();
    const d = new ggv2.CfnDeployment(stack, 'D', {
      targetArn: TARGET,
      components: { 'aws.greengrass.LocalDebugConsole': { componentVersion: '2.4.3', configurationUpdate: { merge: JSON.stringify({ httpsEnabled: false, port: '1441' }) } } },
    });
    expect(check(GW6, d)).toEqual(['HttpsDisabled::Components.aws.greengrass.LocalDebugConsole']);

    const s2 = newStack();
    includeTemplate(s2, {
      Conditions: { Dev: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        D: {
          Type: TYPE,
          Properties: {
            TargetArn: TARGET,
            Components: {
              'aws.greengrass.LocalDebugConsole': {
                ComponentVersion: '2.4.3',
                ConfigurationUpdate: { Merge: { 'Fn::If': ['Dev', '{"httpsEnabled":"false"}', '{}'] } },
              },
            },
          },
        },
      },
    });
    expect(checkType(GW6, s2, TYPE)).toEqual(['HttpsDisabled::Components.aws.greengrass.LocalDebugConsole']);
  });

  test('Compliance: the console with its HTTPS default, with httpsEnabled true, and a deployment without it', () => {
    const stack = newStack();
    const a = new CfnResource(stack, 'A', { type: TYPE, properties: { TargetArn: TARGET, Components: { 'aws.greengrass.LocalDebugConsole': { ComponentVersion: '2.4.3' } } } });
    const b = new CfnResource(stack, 'B', {
      type: TYPE,
      properties: { TargetArn: TARGET, Components: { 'aws.greengrass.LocalDebugConsole': { ComponentVersion: '2.4.3', ConfigurationUpdate: { Merge: '{"httpsEnabled":true}' } } } },
    });
    const c = new CfnResource(stack, 'C', { type: TYPE, properties: { TargetArn: TARGET, Components: { 'aws.greengrass.Nucleus': { ComponentVersion: '2.12.0' } } } });
    for (const r of [a, b, c]) expect(check(GW6, r)).toEqual(COMPLIANT);
  });

  test('an unreadable merge document is a finding, not a pass', () => {
    const d = new CfnResource(newStack(), 'D', {
      type: TYPE,
      properties: { TargetArn: TARGET, Components: { 'aws.greengrass.LocalDebugConsole': { ConfigurationUpdate: { Merge: { 'Fn::ImportValue': 'cfg' } } } } },
    });
    expect(check(GW6, d)).toEqual(['Unresolved::Components.aws.greengrass.LocalDebugConsole.ConfigurationUpdate.Merge']);
  });
});

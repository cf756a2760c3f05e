import { Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IotSecurityChecks } from '../../lib/checks';
import * as rules from '../../lib/checks/rules';
import { checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from './rule-test-helpers';

const {
  IoTThingPrincipalExclusive: ID6, IoTJobAbortConfigured: UPD1, IoTJobStagedRollout: UPD2, IoTJobTimeoutConfigured: UPD3,
  IoTLoggingEnabled: MON1, IoTAuditChecksEnabled: MON2, IoTAuditNotificationTarget: MON3, IoTScheduledAuditFrequency: MON5,
  IoTRoleAliasLeastPrivilege: GW1, IoTRoleAliasCredentialDuration: GW2, IoTFleetProvisioningHook: ID8,
  IoTPolicyNoWildcardActions: ID1, IoTPolicyDataPlaneScopedToThing: ID2, IoTDomainConfigurationTlsPolicy: TLS1,
  IoTDomainConfigurationAuthorizerOverride: TLS2, IoTTopicRuleErrorAction: DAT1, IoTAuthorizerTokenSigning: ID9,
  IoTNoLiteralSecrets: ID10, IoTCustomResourceReadable: ID13, IoTCredentialsProviderRoleLeastPrivilege: GW3,
} = rules;

const CR = 'Custom::AWS';
const POLICY = cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });

/** One AwsCustomResource (CDK's L2) making `call` on create. */
function l2(stack: Stack, service: string, action: string, parameters: object, id = 'Call'): cr.AwsCustomResource {
  return new cr.AwsCustomResource(stack, id, {
    onCreate: { service, action, parameters, physicalResourceId: cr.PhysicalResourceId.of(id) },
    policy: POLICY,
  });
}

describe('ID6: AttachThingPrincipal', () => {
  test('the API default is not exclusive', () => {
    const stack = newStack();
    l2(stack, 'Iot', 'attachThingPrincipal', { thingName: 't', principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc' });
    expect(checkType(ID6, stack, CR)).toEqual(NON_COMPLIANT);
  });
  test('compliant twin: thingPrincipalType EXCLUSIVE_THING', () => {
    const stack = newStack();
    l2(stack, '@aws-sdk/client-iot', 'AttachThingPrincipalCommand', { thingName: 't', principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc', thingPrincipalType: 'EXCLUSIVE_THING' });
    expect(checkType(ID6, stack, CR)).toEqual(COMPLIANT);
  });
});

describe('a quick look at the pack', () => {
  test('findings are reported on the custom resource', () => {
    const stack = newStack();
    l2(stack, 'IoT', 'attachThingPrincipal', { thingName: 't', principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc' });
    const report = new IotSecurityChecks().validateScope(stack);
    const names = report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`);
    expect(names).toContain('IoTSecurity-ID6 Test/Call/Resource/Default');
  });
});

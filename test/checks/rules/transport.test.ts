import { Fn } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IotSecurityChecks } from '../../../lib/checks';
import { TlsSecurityPolicy } from '../../../lib/core/tls-security-policy';
import { IoTDomainConfigurationAuthorizerOverride, IoTDomainConfigurationTlsPolicy } from '../../../lib/checks/rules/transport';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from '../rule-test-helpers';

const TYPE = 'AWS::IoT::DomainConfiguration';
const NOT_PINNED = 'NotPinned::TlsConfig.SecurityPolicy';
const IS_PROD = { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };

function domainIn(props: object, parameters: object = {}, conditions: object = {}): object {
  return {
    Parameters: parameters,
    Conditions: conditions,
    Resources: { Domain: { Type: TYPE, Properties: { DomainConfigurationName: 'devices', ServiceType: 'DATA', ...props } } },
  };
}

describe('TLS1 IoTDomainConfigurationTlsPolicy', () => {
  test('Warning: no TlsConfig, TlsConfig without SecurityPolicy or an empty one gets AWS\'s default for a new domain configuration (IoTSecurityPolicy_TLS13_1_2_2022_10): not pinned, a warning (L1, plain template)', () => {
    const stack = newStack();
    new iot.CfnDomainConfiguration(stack, 'Domain', { domainConfigurationName: 'devices', serviceType: 'DATA' });
    expect(checkType(IoTDomainConfigurationTlsPolicy, stack, TYPE)).toEqual([NOT_PINNED]);
    const s2 = newStack();
    includeTemplate(s2, domainIn({ TlsConfig: {} }));
    expect(checkType(IoTDomainConfigurationTlsPolicy, s2, TYPE)).toEqual([NOT_PINNED]);
    const s3 = newStack();
    includeTemplate(s3, domainIn({ TlsConfig: { SecurityPolicy: ' ' } }));
    expect(checkType(IoTDomainConfigurationTlsPolicy, s3, TYPE)).toEqual([NOT_PINNED]);
  });

  test('The pack reports NotPinned as a warning that does not fail the synth, an older policy as an error, and failOnWarnings makes both errors', () => {
    const stack = newStack();
    new iot.CfnDomainConfiguration(stack, 'Unpinned', { domainConfigurationName: 'devices', serviceType: 'DATA' });
    const tls1 = (r: { violations: { ruleName: string }[] }) => r.violations.filter((v) => v.ruleName.startsWith('IoTSecurity-TLS1'));
    const report = new IotSecurityChecks().validateScope(stack);
    expect(tls1(report).map((v: any) => [v.ruleName, v.severity, v.ruleMetadata?.level])).toEqual([[`IoTSecurity-TLS1[${NOT_PINNED}]`, 'warning', 'warning']]);
    expect(report.success).toBe(true);
    new iot.CfnDomainConfiguration(stack, 'Old', { tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS12_1_0_2016_01' } });
    const both = new IotSecurityChecks().validateScope(stack);
    expect(tls1(both).map((v: any) => [v.ruleName, v.severity])).toEqual(expect.arrayContaining([['IoTSecurity-TLS1', 'error']]));
    expect(both.success).toBe(false);
    const strict = new IotSecurityChecks(undefined, { failOnWarnings: true }).validateScope(stack);
    expect(tls1(strict).every((v: any) => v.severity === 'error')).toBe(true);
  });

  test.each([
    'IoTSecurityPolicy_TLS12_1_0_2016_01',
    'IoTSecurityPolicy_TLS12_1_0_2015_01',
  ])('Noncompliance 2: the older policy %s in a plain template', (policy) => {
    const stack = newStack();
    includeTemplate(stack, domainIn({ TlsConfig: { SecurityPolicy: policy } }));
    expect(checkType(IoTDomainConfigurationTlsPolicy, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override downgrades the policy; one that removes TlsConfig leaves the default, not pinned', () => {
    const stack = newStack();
    const d = new iot.CfnDomainConfiguration(stack, 'D1', { tlsConfig: { securityPolicy: TlsSecurityPolicy.TLS13_1_3_2022_10.policyName } });
    d.addPropertyOverride('TlsConfig.SecurityPolicy', 'IoTSecurityPolicy_TLS12_1_0_2016_01');
    expect(check(IoTDomainConfigurationTlsPolicy, d)).toEqual(NON_COMPLIANT);
    const e = new iot.CfnDomainConfiguration(stack, 'D2', { tlsConfig: { securityPolicy: TlsSecurityPolicy.TLS13_1_2_2022_10.policyName } });
    e.addPropertyDeletionOverride('TlsConfig');
    expect(check(IoTDomainConfigurationTlsPolicy, e)).toEqual([NOT_PINNED]);
  });

  test('Noncompliance 4: one Fn::If branch is an older policy; a branch that drops TlsConfig gets the default, not pinned', () => {
    const stack = newStack();
    includeTemplate(stack, domainIn({
      TlsConfig: { SecurityPolicy: { 'Fn::If': ['IsProd', 'IoTSecurityPolicy_TLS13_1_3_2022_10', 'IoTSecurityPolicy_TLS12_1_0_2016_01'] } },
    }, {}, IS_PROD));
    expect(checkType(IoTDomainConfigurationTlsPolicy, stack, TYPE)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, domainIn({
      TlsConfig: { 'Fn::If': ['IsProd', { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' }, { Ref: 'AWS::NoValue' }] },
    }, {}, IS_PROD));
    expect(checkType(IoTDomainConfigurationTlsPolicy, s2, TYPE)).toEqual([NOT_PINNED]);
  });

  test('Noncompliance 5: a parameter, an import or an SSM dynamic reference is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, domainIn({ TlsConfig: { SecurityPolicy: { Ref: 'Policy' } } }, { Policy: { Type: 'String', Default: 'IoTSecurityPolicy_TLS13_1_2_2022_10' } }));
    expect(checkType(IoTDomainConfigurationTlsPolicy, stack, TYPE)).toEqual(['Unresolved::TlsConfig.SecurityPolicy']);

    const s2 = newStack();
    const d = new iot.CfnDomainConfiguration(s2, 'D', { tlsConfig: { securityPolicy: Fn.importValue('TlsPolicy') } });
    expect(check(IoTDomainConfigurationTlsPolicy, d)).toEqual(['Unresolved::TlsConfig.SecurityPolicy']);
    d.addPropertyOverride('TlsConfig.SecurityPolicy', '{{resolve:ssm:/iot/tls-policy}}');
    expect(check(IoTDomainConfigurationTlsPolicy, d)).toEqual(['Unresolved::TlsConfig.SecurityPolicy']);
  });

  test('Noncompliance 6: a policy that is not a string is invalid', () => {
    const stack = newStack();
    const d = new iot.CfnDomainConfiguration(stack, 'D', { tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' } });
    d.addPropertyOverride('TlsConfig.SecurityPolicy', { Name: 'IoTSecurityPolicy_TLS13_1_2_2022_10' });
    expect(check(IoTDomainConfigurationTlsPolicy, d)).toEqual(['Invalid::TlsConfig.SecurityPolicy']);
  });

  test('Compliance: the three 2022-10 policies, from L1, plain template, Fn::If and an allowed-values parameter', () => {
    const stack = newStack();
    for (const p of [TlsSecurityPolicy.TLS13_1_2_2022_10, TlsSecurityPolicy.TLS13_1_3_2022_10, TlsSecurityPolicy.TLS12_1_2_2022_10]) {
      const d = new iot.CfnDomainConfiguration(stack, p.policyName, { serviceType: 'CREDENTIAL_PROVIDER', tlsConfig: { securityPolicy: p.policyName } });
      expect(check(IoTDomainConfigurationTlsPolicy, d)).toEqual(COMPLIANT);
    }

    const s2 = newStack();
    includeTemplate(s2, domainIn({
      TlsConfig: { SecurityPolicy: { 'Fn::If': ['IsProd', 'IoTSecurityPolicy_TLS13_1_3_2022_10', 'IoTSecurityPolicy_TLS13_1_2_2022_10'] } },
    }, {}, IS_PROD));
    expect(checkType(IoTDomainConfigurationTlsPolicy, s2, TYPE)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, domainIn({ TlsConfig: { SecurityPolicy: { Ref: 'Policy' } } }, {
      Policy: { Type: 'String', AllowedValues: ['IoTSecurityPolicy_TLS13_1_2_2022_10', 'IoTSecurityPolicy_TLS13_1_3_2022_10'] },
    }));
    expect(checkType(IoTDomainConfigurationTlsPolicy, s3, TYPE)).toEqual(COMPLIANT);
  });

  test('Not applicable to other types', () => {
    const stack = newStack();
    expect(check(IoTDomainConfigurationTlsPolicy, new iot.CfnThing(stack, 'T'))).toEqual(NOT_APPLICABLE);
  });
});

describe('TLS2 IoTDomainConfigurationAuthorizerOverride', () => {
  test('Noncompliance 1: AllowAuthorizerOverride true (L1)', () => {
    const stack = newStack();
    new iot.CfnDomainConfiguration(stack, 'Domain', { authorizerConfig: { defaultAuthorizerName: 'devices', allowAuthorizerOverride: true } });
    expect(checkType(IoTDomainConfigurationAuthorizerOverride, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: the string "true" in a plain template, and "True" in an override', () => {
    const stack = newStack();
    includeTemplate(stack, domainIn({ AuthorizerConfig: { DefaultAuthorizerName: 'devices', AllowAuthorizerOverride: 'true' } }));
    expect(checkType(IoTDomainConfigurationAuthorizerOverride, stack, TYPE)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    const d = new iot.CfnDomainConfiguration(s2, 'D', { authorizerConfig: { defaultAuthorizerName: 'devices' } });
    d.addPropertyOverride('AuthorizerConfig.AllowAuthorizerOverride', 'True');
    expect(check(IoTDomainConfigurationAuthorizerOverride, d)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: a parameter is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, domainIn({ AuthorizerConfig: { AllowAuthorizerOverride: { Ref: 'Override' } } }, { Override: { Type: 'String' } }));
    expect(checkType(IoTDomainConfigurationAuthorizerOverride, stack, TYPE)).toEqual(['Unresolved::AuthorizerConfig.AllowAuthorizerOverride']);
  });

  test('Noncompliance 4: a flag CloudFormation would reject is invalid', () => {
    const stack = newStack();
    const d = new iot.CfnDomainConfiguration(stack, 'D', { authorizerConfig: { defaultAuthorizerName: 'devices' } });
    d.addPropertyOverride('AuthorizerConfig.AllowAuthorizerOverride', 'sometimes');
    expect(check(IoTDomainConfigurationAuthorizerOverride, d)).toEqual(['Invalid::AuthorizerConfig.AllowAuthorizerOverride']);
  });

  test('Compliance: absent, false, "false"', () => {
    const stack = newStack();
    const a = new iot.CfnDomainConfiguration(stack, 'A', {});
    const b = new iot.CfnDomainConfiguration(stack, 'B', { authorizerConfig: { defaultAuthorizerName: 'devices', allowAuthorizerOverride: false } });
    for (const d of [a, b]) expect(check(IoTDomainConfigurationAuthorizerOverride, d)).toEqual(COMPLIANT);
    const s2 = newStack();
    includeTemplate(s2, domainIn({ AuthorizerConfig: { AllowAuthorizerOverride: 'false' } }));
    expect(checkType(IoTDomainConfigurationAuthorizerOverride, s2, TYPE)).toEqual(COMPLIANT);
  });
});

describe('transport rule metadata', () => {
  test('IDs and resource types', () => {
    expect(IoTDomainConfigurationTlsPolicy.metadata).toMatchObject({ id: 'TLS1', resourceTypes: [TYPE] });
    expect(IoTDomainConfigurationAuthorizerOverride.metadata).toMatchObject({ id: 'TLS2', resourceTypes: [TYPE] });
  });
});

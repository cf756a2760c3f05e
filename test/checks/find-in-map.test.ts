import { CfnMapping, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IoTDomainConfigurationTlsPolicy as TLS1 } from '../../lib';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT } from './rule-test-helpers';

/*
 * Fn::FindInMap is read from the stack's own Mappings: a key known only at deploy (the region, a
 * parameter) stands for every key at that level, so every value the map could pick is judged.
 */
const DOMAIN = 'AWS::IoT::DomainConfiguration';

function domainWithPolicy(stack: Stack, securityPolicy: unknown): iot.CfnDomainConfiguration {
  const domain = new iot.CfnDomainConfiguration(stack, 'Domain', { domainConfigurationName: 'devices' });
  domain.addPropertyOverride('TlsConfig.SecurityPolicy', securityPolicy);
  return domain;
}

describe('Fn::FindInMap', () => {
  test('keyed by the region: one region mapped to an old TLS policy is a finding, wherever the stack deploys', () => {
    const stack = newStack();
    new CfnMapping(stack, 'Tls', {
      mapping: {
        'eu-west-1': { policy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' },
        'us-east-1': { policy: 'IoTSecurityPolicy_TLS12_1_0_2016_01' },
      },
    });
    const domain = domainWithPolicy(stack, { 'Fn::FindInMap': ['Tls', { Ref: 'AWS::Region' }, 'policy'] });
    expect(check(TLS1, domain)).toEqual(NON_COMPLIANT);
  });

  test('compliant twin: every region mapped to a 2022-10 policy', () => {
    const stack = newStack();
    new CfnMapping(stack, 'Tls', {
      mapping: {
        'eu-west-1': { policy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' },
        'us-east-1': { policy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' },
      },
    });
    const domain = domainWithPolicy(stack, { 'Fn::FindInMap': ['Tls', { Ref: 'AWS::Region' }, 'policy'] });
    expect(check(TLS1, domain)).toEqual(COMPLIANT);
  });

  test('literal keys pick one value; a missing pair takes the DefaultValue of AWS::LanguageExtensions', () => {
    const stack = newStack();
    new CfnMapping(stack, 'Tls', { mapping: { prod: { policy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' }, dev: { policy: 'IoTSecurityPolicy_TLS12_1_0_2016_01' } } });
    expect(check(TLS1, domainWithPolicy(stack, { 'Fn::FindInMap': ['Tls', 'prod', 'policy'] }))).toEqual(COMPLIANT);
    const other = newStack();
    new CfnMapping(other, 'Tls', { mapping: { prod: { policy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' } } });
    const withDefault = domainWithPolicy(other, { 'Fn::FindInMap': ['Tls', 'prod', 'missing', { DefaultValue: 'IoTSecurityPolicy_TLS12_1_0_2015_01' }] });
    expect(check(TLS1, withDefault)).toEqual(NON_COMPLIANT);
  });

  test('in a plain template brought in with CfnInclude, keyed by a parameter without allowed values', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { Env: { Type: 'String' } },
      Mappings: { Tls: { prod: { policy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' }, dev: { policy: 'IoTSecurityPolicy_TLS12_1_0_2016_01' } } },
      Resources: {
        Domain: {
          Type: DOMAIN,
          Properties: { DomainConfigurationName: 'devices', TlsConfig: { SecurityPolicy: { 'Fn::FindInMap': ['Tls', { Ref: 'Env' }, 'policy'] } } },
        },
      },
    });
    expect(checkType(TLS1, stack, DOMAIN)).toEqual(NON_COMPLIANT);
  });

  test('a map the stack does not hold is unreadable, never a pass', () => {
    const stack = newStack();
    const domain = domainWithPolicy(stack, { 'Fn::FindInMap': ['Elsewhere', 'prod', 'policy'] });
    expect(check(TLS1, domain)).toEqual(['Unresolved::TlsConfig.SecurityPolicy']);
  });
});

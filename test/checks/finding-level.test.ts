import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { Practice } from '../../lib/core/practice';
import { findingLevel } from '../../lib/checks/private/finding-level';
import { defineRule, RuleMetadata } from '../../lib/checks/rule-definition';

const BASE: RuleMetadata = {
  id: 'TLS99',
  practice: Practice.DATA_IN_TRANSIT,
  attackEnterprise: [],
  attackIcs: [],
  iotLens: ['IOTSEC10'],
  level: NagMessageLevel.ERROR,
  info: 'i',
  explanation: 'e',
  fix: 'f',
  resourceTypes: ['AWS::IoT::DomainConfiguration'],
};

describe('warningFindings: finding kinds an error rule reports as warnings', () => {
  test('a listed kind is a warning; other kinds, bare findings and unlisted rules keep the rule level', () => {
    const m = { ...BASE, warningFindings: ['NotPinned'] };
    expect(findingLevel(m, 'NotPinned::TlsConfig.SecurityPolicy')).toBe(NagMessageLevel.WARN);
    expect(findingLevel(m, 'Unresolved::TlsConfig.SecurityPolicy')).toBe(NagMessageLevel.ERROR);
    expect(findingLevel(m, 'NotPinnedish::X')).toBe(NagMessageLevel.ERROR);
    expect(findingLevel(m, undefined)).toBe(NagMessageLevel.ERROR);
    expect(findingLevel(BASE, 'NotPinned::X')).toBe(NagMessageLevel.ERROR);
  });

  test('defineRule refuses warningFindings on a warning rule, and kinds that are not a finding kind', () => {
    const rule = () => NagRuleCompliance.COMPLIANT;
    expect(() => defineRule({ ...BASE, level: NagMessageLevel.WARN, warningFindings: ['NotPinned'] }, rule))
      .toThrow(/TLS99.*warningFindings takes finding kinds such as 'NotPinned' on an ERROR rule/);
    expect(() => defineRule({ ...BASE, warningFindings: ['Not Pinned::'] }, rule)).toThrow(/warningFindings/);
    expect(defineRule({ ...BASE, warningFindings: ['NotPinned'] }, rule).metadata.warningFindings).toEqual(['NotPinned']);
  });
});

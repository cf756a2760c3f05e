import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, findInStack, referencedLogicalId, resolvedProperties, resourcesInStack } from '../../private/cfn';
import { asEnum, branches, Findings, isObject, possibleAt, possibleValues, Unresolved } from '../../private/cfn-values';
import { templateString } from '../../private/iam-policy';
import { defineRule } from '../../rule-definition';

const ENDPOINT = 'AWS::EC2::VPCEndpoint';
const GROUP = 'AWS::EC2::SecurityGroup';
const INGRESS = 'AWS::EC2::SecurityGroupIngress';

/**
 * The AWS IoT services reachable through an interface endpoint: the device data plane (MQTT and
 * HTTPS), the credentials provider, Fleet Hub, and Greengrass (`com.amazonaws.<region>.<suffix>`).
 */
const IOT_SERVICE = /\.(iot\.data|iot\.credentials|iot\.fleethub\.api|greengrass)$/i;
const ANY_IPV4 = '0.0.0.0/0';
const ANY_IPV6 = '::/0';

/** Whether a `ServiceName` can be an AWS IoT service, in some form (a name with `{?}` holes matches by its suffix). */
function isIotService(node: CfnResource, value: unknown): boolean {
  return branches(value).some((b) => {
    const shape = typeof b === 'string' ? b : templateString(b);
    if (shape !== undefined && IOT_SERVICE.test(shape)) return true;
    return possibleValues(node, b).some((v) => typeof v === 'string' && IOT_SERVICE.test(v));
  });
}

/** The ingress rules of a security group of the stack: its `SecurityGroupIngress` and every `AWS::EC2::SecurityGroupIngress` naming it. */
function ingressRules(node: CfnResource, group: CfnResource): unknown[] {
  const id = group.stack.resolve(group.logicalId) as string;
  const inline = possibleValues(node, resolvedProperties(group).SecurityGroupIngress).flatMap((list) => asArray(list as unknown[]));
  const separate = resourcesInStack(node).filter((r) => r.cfnResourceType === INGRESS
    && branches(resolvedProperties(r).GroupId).some((b) => referencedLogicalId(b) === id)).map((r) => resolvedProperties(r));
  return [...inline, ...separate];
}

/** Whether a rule's `key` is computed from resources of the stack in every form (`Fn::GetAtt Vpc.CidrBlock`, `Fn::Select` of its IPv6 blocks). */
function fromStackResource(node: CfnResource, rule: unknown, key: string): boolean {
  return possibleValues(node, rule).every((r) => {
    if (!isObject(r)) return true;
    return branches(r[key]).every((b) => {
      if (b === undefined || typeof b === 'string') return true;
      const refs = [...JSON.stringify(b).matchAll(/"(?:Ref|Fn::GetAtt)":\[?"([^".]+)/g)].map((m) => m[1]);
      return refs.length > 0 && refs.every((ref) => findInStack(node, ref) !== undefined);
    });
  });
}

/**
 * IoTSecurity-NET1: the security groups of an AWS IoT interface endpoint admit only known sources.
 *
 * Applies to an `AWS::EC2::VPCEndpoint` whose `ServiceName` is an AWS IoT service (`iot.data`,
 * `iot.credentials`, `iot.fleethub.api`, `greengrass`; a literal, `Fn::Sub`/`Fn::Join` around the
 * region, or a parameter's allowed values). Findings:
 * - `OpenIngress::<group>:<cidr>`: a security group of the endpoint (by `Ref` or `Fn::GetAtt GroupId`)
 *   admits `0.0.0.0/0` or `::/0`, inline or through an `AWS::EC2::SecurityGroupIngress` of the stack;
 * - `DefaultSecurityGroup`: no `SecurityGroupIds` (CloudFormation then attaches the VPC's default
 *   group, whose rules are not in the template);
 * - `Unresolved::SecurityGroupIds` (a group outside the stack) and `Unresolved::<group>.CidrIp`
 *   (a source known only at deploy time).
 * A source security group, a prefix list or a VPC CIDR is a restriction and passes.
 */
export const IoTVpcEndpointIngressRestricted = defineRule({
  id: 'NET1',
  practice: Practice.RISK_ASSESSMENT,
  iotLens: ['IOTSEC07', 'IOTSEC08'],
  attackEnterprise: ['T1599', 'T1046'],
  attackIcs: ['T0866', 'T0886'],
  level: NagMessageLevel.WARN,
  info: 'The AWS IoT VPC endpoint admits any source address, or relies on the VPC default security group.',
  explanation:
    'A private endpoint for AWS IoT is how the device and gateway zones reach the broker and the credentials provider without the ' +
    'internet. A security group open to 0.0.0.0/0 (or the default group, which anything launched without a group joins) lets every ' +
    'network routed to the VPC (peered VPCs, VPN and Direct Connect sites, any workload) reach it, which undoes the zoning the endpoint serves.',
  fix: 'Give the endpoint its own security group admitting HTTPS (443) and MQTT (8883) only from the device and gateway zones: their security groups, prefix lists or CIDRs.',
  resourceTypes: [ENDPOINT],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  if (!isIotService(node, props.ServiceName)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Findings();
  for (const list of possibleValues(node, props.SecurityGroupIds)) {
    if (list instanceof Unresolved) {
      findings.unreadable(list, 'SecurityGroupIds');
      continue;
    }
    const entries = asArray(list as unknown[]);
    if (entries.length === 0) findings.add('DefaultSecurityGroup');
    for (const entry of entries) {
      for (const b of branches(entry)) {
        const id = referencedLogicalId(b);
        const group = id === undefined ? undefined : findInStack(node, id);
        if (b === undefined) continue;
        if (!group || group.cfnResourceType !== GROUP) {
          findings.add('Unresolved', 'SecurityGroupIds');
          continue;
        }
        for (const rule of ingressRules(node, group)) {
          for (const key of ['CidrIp', 'CidrIpv6']) {
            for (const cidr of possibleAt(node, rule, [key]).map(asEnum)) {
              // A CIDR read from a resource of the stack (the VPC's, a subnet's) is one network, not any source.
              if (cidr instanceof Unresolved && !fromStackResource(node, rule, key)) findings.add('Unresolved', `${id}.${key}`);
              else if (cidr === ANY_IPV4 || cidr === ANY_IPV6) findings.add('OpenIngress', `${id}:${cidr}`);
            }
          }
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

/*
 * The "What the pack reads" section of RULES.md: where the rules' facts come from, the IAM
 * dataset's name and version read from its installed package.json when RULES.md is generated
 * (so a dataset upgrade makes RULES.md stale until it is regenerated), and the lists kept by
 * hand because the dataset has no answer for them.
 */
import { ATTACK_VERSION } from '../lib';
import { iamAction, iamDataSource } from '../lib/checks/private/iam-data';
import {
  ADMIN_ACTIONS, ADMIN_SERVICES, DEVICE_SAFE_AWS_MANAGED_POLICIES, HARMLESS_ADMIN_ACTIONS, LOG_GROUP_ACTIONS, UNSCOPED_CALL_ACTIONS,
} from '../lib/checks/private/iam-policy';
import { DEVICE_ACTIONS, GREENGRASS_DEVICE_ACTIONS, IOT_POLICY_ONLY_ACTIONS } from '../lib/checks/private/iot-policy-analyzer';
import { DOCUMENTED_MANAGED_POLICIES } from '../lib/checks/rules/gateway/IoTServiceRoleLeastPrivilege';
import { ARN_TYPES, CDK_BUNDLED } from '../lib/checks/rules/identity/IoTGrantTakesEffect';
import { AUDIT_CHECKS } from '../lib/core/private/audit-checks';
import { IOT_SERVICE_PRINCIPALS, trustOf } from '../lib/core/private/service-trust';

/** `service:Name` as AWS writes it, from a lower-case `service:name`, where the dataset knows it. */
function canonical(lower: string): string {
  const [service, name] = lower.split(':');
  const facts = iamAction(service, name);
  return facts ? `${service}:${facts.name}` : lower;
}

const code = (items: Iterable<string>) => [...items].map((i) => `\`${i}\``).join(', ');

export function renderWhatThePackReads(): string[] {
  const data = iamDataSource();
  const built = data.updatedAt ? `, data of ${data.updatedAt.slice(0, 10)}` : '';
  return [
    '## What the pack reads',
    '',
    'The rules read what the app will deploy, as CloudFormation (in a CDK app, its stacks; with `cdk-secure-iot scan`, the templates '
      + 'it is given), and nothing of the account: they call no AWS API and need no network. Besides that, they take facts from these sources:',
    '',
    '| Source | Version | What the rules take from it |',
    '|---|---|---|',
    `| [\`${data.name}\`](https://www.npmjs.com/package/${data.name}), the AWS Service Authorization Reference as JSON (MIT) `
      + `| ${data.version}${built}, pinned exactly as a dependency of this package `
      + '| Which IAM actions exist, so a wildcard (`iot:Create*`, `greengrass:*`, `*:Describe*`) is judged by the actions it matches; '
      + 'whether an action supports resource-level permissions (one that does not, such as `iot:DescribeAccountAuditConfiguration`, '
      + '`iot:StartOnDemandAuditTask` or `iot:ListAuditFindings`, may stand on `Resource: *`; one that does, such as '
      + '`iot:CreateScheduledAudit`, may not); access levels (`Permissions management` in any service is an admin action). '
      + 'Read from the installed package\'s files, one service at a time, when a rule first asks about it. |',
    `| Device Defender audit checks | ${AUDIT_CHECKS.length} checks | The checks \`IoTSecurity-MON2\` requires enabled, and the `
      + 'section below. |',
    `| MITRE ATT&CK | ${ATTACK_VERSION} | The technique IDs of each rule. |`,
    '| AWS IoT Lens (Well-Architected) | IOTSEC01..IOTSEC15 | The security questions each rule serves. |',
    '',
    'Kept by hand, because the dataset has no answer for them (each checked against the dataset by a test, so that an upgrade '
      + 'that answers one shows):',
    '',
    `- IoT policy actions that the IAM reference does not list: ${code(IOT_POLICY_ONLY_ACTIONS.map((a) => `iot:${a}`))}; `
      + 'the IoT policy analyzer knows them besides the dataset\'s `iot` actions.',
    `- The actions a device needs, and the resource type each is judged on: ${code([...DEVICE_ACTIONS.keys()].map((a) => `iot:${a}`))}; `
      + `and those Greengrass core and client devices call: ${code(GREENGRASS_DEVICE_ACTIONS.map((a) => `greengrass:${a}`))}.`,
    `- Services whose every action administers identity or the account: ${code(ADMIN_SERVICES)} (but ${code([...HARMLESS_ADMIN_ACTIONS].map(canonical))}).`,
    `- Actions the dataset files under \`Write\` that turn a safeguard off or mint credentials, admin actions from a device role: `
      + `${code(ADMIN_ACTIONS.map(canonical))}.`,
    `- Actions the dataset gives an optional resource type that their ordinary call does not name, so they may stand on \`*\`: `
      + `${code([...UNSCOPED_CALL_ACTIONS].map(canonical))}.`,
    `- Actions that touch a log group's streams but no log events: ${code([...LOG_GROUP_ACTIONS].map(canonical))}.`,
    `- AWS-managed policies a device role may carry: ${DEVICE_SAFE_AWS_MANAGED_POLICIES.size > 0 ? code(DEVICE_SAFE_AWS_MANAGED_POLICIES) : 'none'}.`,
    '',
    'Kept by hand from AWS\'s documentation, which each rule\'s doc comment cites (no dataset holds them):',
    '',
    `- AWS-managed policies an IoT service role may carry, each only on the use AWS documents it for (\`IoTSecurity-GW13\`): `
      + Object.entries(DOCUMENTED_MANAGED_POLICIES).filter(([, names]) => names.length > 0)
        .map(([use, names]) => `${use}: ${code(names)}`).join('; ') + '; any other (`AWSIoTRuleActions` among them) is a finding.',
    `- AWS IoT service principals judged by \`IoTSecurity-GW15\`, from AWS's confused-deputy pages: `
      + `${code([...IOT_SERVICE_PRINCIPALS].filter((p) => trustOf(p, 'role')?.keys !== 'unsupported'))} must carry \`aws:SourceAccount\`/\`aws:SourceArn\`; `
      + `${code([...IOT_SERVICE_PRINCIPALS].filter((p) => trustOf(p, 'role')?.keys === 'unsupported'))} are documented without them and pass.`,
    `- Actions CDK's grants write beside a companion, which \`IoTSecurity-ID21\` leaves alone only next to that companion: `
      + `${code(Object.keys(CDK_BUNDLED).map(canonical))}; and the CloudFormation types whose \`Ref\`/\`Fn::GetAtt\` ARN it `
      + `judges by type: ${code(Object.keys(ARN_TYPES))} (any other reference matches every resource type).`,
    '',
  ];
}

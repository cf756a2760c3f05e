import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagRuleResult } from 'cdk-nag';
import { scanTemplates } from '../../lib';
import { IotSecurityChecks } from '../../lib/checks';
import { API_CALLS } from '../../lib/checks/private/custom-resources';
import * as rules from '../../lib/checks/rules';
import { IotRule } from '../../lib/checks/rule-definition';
import { acknowledge } from '../../lib/core/private/secure-defaults';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from './rule-test-helpers';

const {
  IoTThingPrincipalExclusive: ID6, IoTJobAbortConfigured: UPD1, IoTJobStagedRollout: UPD2, IoTJobTimeoutConfigured: UPD3,
  IoTLoggingEnabled: MON1, IoTAuditChecksEnabled: MON2, IoTAuditNotificationTarget: MON3, IoTScheduledAuditFrequency: MON5,
  IoTRoleAliasLeastPrivilege: GW1, IoTRoleAliasCredentialDuration: GW2, IoTFleetProvisioningHook: ID8,
  IoTPolicyNoWildcardActions: ID1, IoTDomainConfigurationTlsPolicy: TLS1, IoTDomainConfigurationAuthorizerOverride: TLS2,
  IoTTopicRuleErrorAction: DAT1, IoTAuthorizerTokenSigning: ID9, IoTNoLiteralSecrets: ID10, IoTCustomResourceReadable: ID13,
  IoTCredentialsProviderRoleLeastPrivilege: GW3, IoTResourceLoggingEnabled: MON6,
} = rules;

const CR = 'Custom::AWS';
const ANY = cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });
const CERT = 'arn:aws:iot:eu-west-1:111111111111:cert/abc';
const ROLE_ARN = 'arn:aws:iam::111111111111:role/iot-logging';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:audit';
const GROUP = 'arn:aws:iot:eu-west-1:111111111111:thinggroup/fleet';
const TRUST = { Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

/** One AwsCustomResource (CDK's L2) making one call on create (and, if given, one on update). */
function l2(stack: Stack, service: string, action: string, parameters: object, id = 'Call', update?: [string, object]): cr.AwsCustomResource {
  return new cr.AwsCustomResource(stack, id, {
    onCreate: { service, action, parameters, physicalResourceId: cr.PhysicalResourceId.of(id) },
    onUpdate: update && { service, action: update[0], parameters: update[1], physicalResourceId: cr.PhysicalResourceId.of(id) },
    policy: ANY,
  });
}

/** The rule's result on the one Custom::AWS made by `l2(... call ...)`. */
function onCall(rule: IotRule, service: string, action: string, parameters: object): NagRuleResult {
  const stack = newStack();
  l2(stack, service, action, parameters);
  return checkType(rule, stack, CR);
}

/** The same call in a plain template (CfnInclude), `Create` written as `create` says. */
function included(create: unknown, extra: { [id: string]: unknown } = {}, type = CR): Stack {
  const stack = newStack();
  includeTemplate(stack, { Resources: { Call: { Type: type, Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:provider', Create: create } }, ...extra } });
  return stack;
}

describe('ID6: AttachThingPrincipal (the API default is not exclusive)', () => {
  test.each(['Iot', 'IoT', 'iot', '@aws-sdk/client-iot'])('service %s, no thingPrincipalType: non-exclusive', (service) => {
    expect(onCall(ID6, service, 'attachThingPrincipal', { thingName: 't', principal: CERT })).toEqual(NON_COMPLIANT);
  });
  test.each(['AttachThingPrincipal', 'AttachThingPrincipalCommand', 'attachThingPrincipal'])('action %s with EXCLUSIVE_THING: compliant', (action) => {
    expect(onCall(ID6, 'Iot', action, { thingName: 't', principal: CERT, thingPrincipalType: 'EXCLUSIVE_THING' })).toEqual(COMPLIANT);
  });
  test('NON_EXCLUSIVE_THING written out, and a parameter without allowed values', () => {
    expect(onCall(ID6, 'Iot', 'attachThingPrincipal', { thingName: 't', principal: CERT, thingPrincipalType: 'NON_EXCLUSIVE_THING' })).toEqual(NON_COMPLIANT);
    const stack = newStack();
    const kind = new (require('aws-cdk-lib').CfnParameter)(stack, 'Kind', { type: 'String' });
    l2(stack, 'Iot', 'attachThingPrincipal', { thingName: 't', principal: CERT, thingPrincipalType: kind.valueAsString });
    expect(checkType(ID6, stack, CR)).toEqual(['Unresolved::ThingPrincipalType']);
  });
  test('a call the pack does not map is not applicable; a non-IoT service either', () => {
    expect(onCall(ID6, 'Iot', 'describeEndpoint', { endpointType: 'iot:Data-ATS' })).toEqual(NOT_APPLICABLE);
    expect(onCall(ID6, 'S3', 'attachThingPrincipal', { thingName: 't' })).toEqual(NOT_APPLICABLE);
  });
});

describe('UPD1-UPD3: CreateJob and CreateJobTemplate', () => {
  const SAFE = {
    abortConfig: { criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10, minNumberOfExecutedThings: 10 }] },
    jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 10 } } },
    timeoutConfig: { inProgressTimeoutInMinutes: 60 },
  };
  test('a fleet job with no settings: each rule says what is missing', () => {
    const job = { jobId: 'j', targets: [GROUP], document: '{}' };
    expect(onCall(UPD1, 'Iot', 'createJob', job)).toEqual(['Missing::AbortConfig']);
    expect(onCall(UPD2, 'Iot', 'createJob', job)).toEqual(['Missing::JobExecutionsRolloutConfig']);
    expect(onCall(UPD3, 'Iot', 'createJob', job)).toEqual(['Missing::TimeoutConfig']);
  });
  test('compliant twin: abort, staged rollout (exponentialRate is ExponentialRolloutRate) and timeout', () => {
    const job = { jobId: 'j', targets: [GROUP], document: '{}', ...SAFE };
    for (const rule of [UPD1, UPD2, UPD3]) expect(onCall(rule, 'Iot', 'CreateJob', job)).toEqual(COMPLIANT);
    for (const rule of [UPD1, UPD2, UPD3]) expect(onCall(rule, 'Iot', 'createJobTemplate', { jobTemplateId: 't', description: 'd', document: '{}', ...SAFE })).toEqual(COMPLIANT);
  });
  test('a job template made by the API: an unsafe one is judged', () => {
    expect(onCall(UPD1, 'Iot', 'createJobTemplate', { jobTemplateId: 't', description: 'd', document: '{}' })).toEqual(['Missing::AbortConfig']);
  });
  test('a job inherits the settings of the job template its literal ARN names, native or made by a custom resource', () => {
    const stack = newStack();
    // The L1 types AbortConfig as JSON: it takes CloudFormation's casing as written.
    new iot.CfnJobTemplate(stack, 'Template', {
      jobTemplateId: 'firmware', description: 'd', document: '{}',
      abortConfig: { CriteriaList: [{ FailureType: 'FAILED', Action: 'CANCEL', ThresholdPercentage: 10, MinNumberOfExecutedThings: 10 }] },
    });
    l2(stack, 'Iot', 'createJob', { jobId: 'j', targets: [GROUP], jobTemplateArn: `arn:aws:iot:${stack.region}:${stack.account}:jobtemplate/firmware` });
    expect(checkType(UPD1, stack, CR)).toEqual(COMPLIANT);

    const s2 = newStack();
    l2(s2, 'Iot', 'createJobTemplate', { jobTemplateId: 'firmware', description: 'd', document: '{}', ...SAFE }, 'Template');
    new CfnResource(s2, 'Job', { type: 'AWS::IoT::Job', properties: { JobId: 'j', Targets: [GROUP], JobTemplateArn: 'arn:aws:iot:eu-west-1:111111111111:jobtemplate/firmware' } });
    expect(checkType(UPD1, s2, 'AWS::IoT::Job')).toEqual([]); // no finding
  });
});

describe('MON1/MON6: logging options', () => {
  test('SetV2LoggingOptions: DISABLED, disableAllLogs, or no level', () => {
    expect(onCall(MON1, 'Iot', 'setV2LoggingOptions', { roleArn: ROLE_ARN, defaultLogLevel: 'DISABLED' })).toEqual(['Disabled::DefaultLogLevel']);
    expect(onCall(MON1, 'Iot', 'setV2LoggingOptions', { roleArn: ROLE_ARN, defaultLogLevel: 'INFO', disableAllLogs: true })).toEqual(['Disabled::DefaultLogLevel']);
    expect(onCall(MON1, 'Iot', 'setV2LoggingOptions', { roleArn: ROLE_ARN })).toEqual(['Missing::DefaultLogLevel']);
  });
  test('compliant twins, and the v1 SetLoggingOptions', () => {
    expect(onCall(MON1, 'Iot', 'setV2LoggingOptions', { roleArn: ROLE_ARN, defaultLogLevel: 'WARN' })).toEqual(COMPLIANT);
    expect(onCall(MON1, 'Iot', 'setLoggingOptions', { loggingOptionsPayload: { roleArn: ROLE_ARN, logLevel: 'DISABLED' } })).toEqual(['Disabled::DefaultLogLevel']);
    expect(onCall(MON1, 'Iot', 'SetLoggingOptions', { loggingOptionsPayload: { roleArn: ROLE_ARN, logLevel: 'ERROR' } })).toEqual(COMPLIANT);
  });
  test('SetV2LoggingLevel: a resource switched off', () => {
    expect(onCall(MON6, 'Iot', 'setV2LoggingLevel', { logTarget: { targetType: 'THING_GROUP', targetName: 'fleet' }, logLevel: 'DISABLED' })).not.toEqual(COMPLIANT);
    expect(onCall(MON6, 'Iot', 'setV2LoggingLevel', { logTarget: { targetType: 'THING_GROUP', targetName: 'fleet' }, logLevel: 'INFO' })).toEqual(COMPLIANT);
  });
});

describe('MON2/MON3/MON5: audit configuration and scheduled audits', () => {
  const ALL = ['AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK', 'CA_CERTIFICATE_KEY_QUALITY_CHECK',
    'CONFLICTING_CLIENT_IDS_CHECK', 'DEVICE_CERTIFICATE_AGE_CHECK', 'DEVICE_CERTIFICATE_EXPIRING_CHECK', 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
    'DEVICE_CERTIFICATE_SHARED_CHECK', 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
    'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK', 'IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK', 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK',
    'LOGGING_DISABLED_CHECK', 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK', 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
    'UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK'];
  const checks = (off: string[] = []) => Object.fromEntries(ALL.map((c) => [c, { enabled: !off.includes(c) }]));
  test('UpdateAccountAuditConfiguration: API check names map to CloudFormation keys', () => {
    expect(onCall(MON2, 'Iot', 'updateAccountAuditConfiguration', { roleArn: ROLE_ARN, auditCheckConfigurations: checks(['LOGGING_DISABLED_CHECK']) }))
      .toEqual(['Disabled::LOGGING_DISABLED_CHECK']);
    expect(onCall(MON2, 'Iot', 'updateAccountAuditConfiguration', { roleArn: ROLE_ARN, auditCheckConfigurations: checks() })).toEqual(COMPLIANT);
  });
  test('notification targets: SNS disabled is a finding; a call that leaves them out does not judge them', () => {
    const disabled = { SNS: { targetArn: TOPIC_ARN, roleArn: ROLE_ARN, enabled: false } };
    expect(onCall(MON3, 'Iot', 'updateAccountAuditConfiguration', { auditNotificationTargetConfigurations: disabled })).not.toEqual(COMPLIANT);
    const enabled = { SNS: { targetArn: TOPIC_ARN, roleArn: ROLE_ARN, enabled: true } };
    expect(onCall(MON3, 'Iot', 'updateAccountAuditConfiguration', { auditNotificationTargetConfigurations: enabled })).toEqual(COMPLIANT);
    expect(onCall(MON3, 'Iot', 'updateAccountAuditConfiguration', { auditCheckConfigurations: checks() })).toEqual(NOT_APPLICABLE);
  });
  test('CreateScheduledAudit: judged as AWS::IoT::ScheduledAudit', () => {
    const stack = newStack();
    new CfnResource(stack, 'Native', { type: 'AWS::IoT::ScheduledAudit', properties: { Frequency: 'MONTHLY', DayOfMonth: '1', TargetCheckNames: ['LOGGING_DISABLED_CHECK'] } });
    const native = checkType(MON5, stack, 'AWS::IoT::ScheduledAudit');
    expect(onCall(MON5, 'Iot', 'createScheduledAudit', { scheduledAuditName: 'a', frequency: 'MONTHLY', dayOfMonth: '1', targetCheckNames: ['LOGGING_DISABLED_CHECK'] })).toEqual(native);
    expect(native).not.toEqual(COMPLIANT);
    expect(onCall(MON5, 'Iot', 'createScheduledAudit', { scheduledAuditName: 'a', frequency: 'DAILY', targetCheckNames: ALL })).toEqual(COMPLIANT);
  });
});

describe('GW1/GW2: CreateRoleAlias / UpdateRoleAlias', () => {
  function roleAndAlias(statement: iam.PolicyStatement, params: object = {}, action = 'createRoleAlias'): Stack {
    const stack = newStack();
    const role = new iam.Role(stack, 'DeviceRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    role.addToPolicy(statement);
    l2(stack, 'Iot', action, { roleAlias: 'devices', roleArn: role.roleArn, credentialDurationSeconds: 900, ...params });
    return stack;
  }
  test('the role behind an alias made by the API is judged by GW1, not twice by GW3', () => {
    const stack = roleAndAlias(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(checkType(GW1, stack, CR)).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
    expect(check(GW3, stack.node.findChild('DeviceRole').node.defaultChild as CfnResource)).toEqual(NOT_APPLICABLE);
  });
  test('compliant twin: a role scoped to the thing', () => {
    const stack = roleAndAlias(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::firmware/${credentials-iot:ThingName}/*'] }));
    expect(checkType(GW1, stack, CR)).toEqual(COMPLIANT);
    expect(checkType(GW2, stack, CR)).toEqual(COMPLIANT);
  });
  test('credentials valid for 12 hours; an update that only changes the duration is judged on it alone', () => {
    const stack = roleAndAlias(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::firmware/${credentials-iot:ThingName}/*'] }), { credentialDurationSeconds: 43200 });
    expect(checkType(GW2, stack, CR)).not.toEqual(COMPLIANT);
    expect(onCall(GW2, 'Iot', 'updateRoleAlias', { roleAlias: 'devices', credentialDurationSeconds: 43200 })).not.toEqual(COMPLIANT);
    expect(onCall(GW1, 'Iot', 'updateRoleAlias', { roleAlias: 'devices', credentialDurationSeconds: 900 })).toEqual(NOT_APPLICABLE);
  });
  test('a role ARN built from the role name with Fn::Sub reaches the role of the stack', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', {
      roleName: Fn.sub('${AWS::StackName}-devices'), assumeRolePolicyDocument: TRUST,
      policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
    });
    l2(stack, 'Iot', 'createRoleAlias', { roleAlias: 'devices', roleArn: Fn.sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-devices') });
    expect(role).toBeDefined();
    expect(checkType(GW1, stack, CR)).toEqual(expect.arrayContaining(['Resource::*']));
  });
});

describe('ID8 and ID1: CreateProvisioningTemplate', () => {
  const body = (action: string) => JSON.stringify({
    Parameters: { SerialNumber: { Type: 'String' } },
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'SerialNumber' } } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] }) } },
    },
  });
  test('no pre-provisioning hook; the template\'s policy is analyzed', () => {
    const params = { templateName: 'fleet', templateBody: body('iot:*'), provisioningRoleArn: ROLE_ARN, enabled: true };
    expect(onCall(ID8, 'Iot', 'createProvisioningTemplate', params)).toEqual(NON_COMPLIANT);
    expect(onCall(ID1, 'Iot', 'createProvisioningTemplate', params)).toEqual(['Action::iot:*']);
  });
  test('compliant twin: a hook and no wildcard action', () => {
    const params = {
      templateName: 'fleet', templateBody: body('iot:Connect'), provisioningRoleArn: ROLE_ARN, enabled: true,
      preProvisioningHook: { targetArn: 'arn:aws:lambda:eu-west-1:111111111111:function:check', payloadVersion: '2020-04-01' },
    };
    expect(onCall(ID8, 'Iot', 'createProvisioningTemplate', params)).toEqual(COMPLIANT);
    expect(onCall(ID1, 'Iot', 'createProvisioningTemplate', params)).toEqual(COMPLIANT);
  });
  test('JITP type is not asked for a hook', () => {
    expect(onCall(ID8, 'Iot', 'createProvisioningTemplate', { templateName: 'jitp', templateBody: body('iot:Connect'), provisioningRoleArn: ROLE_ARN, type: 'JITP' })).toEqual(NOT_APPLICABLE);
  });
});

describe('ID1: CreatePolicy / CreatePolicyVersion in every casing', () => {
  test.each([['IoT', 'CreatePolicy'], ['iot', 'createPolicyVersion'], ['@aws-sdk/client-iot', 'CreatePolicyCommand']])('%s %s', (service, action) => {
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
    expect(onCall(ID1, service, action, { policyName: 'p', policyDocument: document })).toEqual(['Action::iot:*']);
    const scoped = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:111111111111:client/${iot:Connection.Thing.ThingName}' }] });
    expect(onCall(ID1, service, action, { policyName: 'p', policyDocument: scoped })).toEqual(COMPLIANT);
  });
});

describe('TLS1/TLS2: domain configurations', () => {
  test('an old TLS policy and an authorizer override', () => {
    const params = { domainConfigurationName: 'd', tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2018_07' }, authorizerConfig: { defaultAuthorizerName: 'a', allowAuthorizerOverride: true } };
    expect(onCall(TLS1, 'Iot', 'createDomainConfiguration', params)).not.toEqual(COMPLIANT);
    expect(onCall(TLS2, 'Iot', 'createDomainConfiguration', params)).toEqual(NON_COMPLIANT);
  });
  test('compliant twin', () => {
    const params = { domainConfigurationName: 'd', tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' }, authorizerConfig: { defaultAuthorizerName: 'a', allowAuthorizerOverride: false } };
    expect(onCall(TLS1, 'Iot', 'createDomainConfiguration', params)).toEqual(COMPLIANT);
    expect(onCall(TLS2, 'Iot', 'createDomainConfiguration', params)).toEqual(COMPLIANT);
  });
  test('UpdateDomainConfiguration is judged on what it sets', () => {
    expect(onCall(TLS1, 'Iot', 'updateDomainConfiguration', { domainConfigurationName: 'd', authorizerConfig: { allowAuthorizerOverride: false } })).toEqual(NOT_APPLICABLE);
    expect(onCall(TLS1, 'Iot', 'updateDomainConfiguration', { domainConfigurationName: 'd', tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2018_07' } })).not.toEqual(COMPLIANT);
  });
});

describe('DAT1 and ID9: topic rules and authorizers', () => {
  const action = { lambda: { functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:f' } };
  test('a topic rule without an error action, and its twin', () => {
    expect(onCall(DAT1, 'Iot', 'createTopicRule', { ruleName: 'r', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [action] } })).toEqual(NON_COMPLIANT);
    expect(onCall(DAT1, 'Iot', 'createTopicRule', { ruleName: 'r', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [action], errorAction: action } })).toEqual(COMPLIANT);
  });
  test('an authorizer with signing disabled, and its twin', () => {
    const fn = 'arn:aws:lambda:eu-west-1:111111111111:function:auth';
    expect(onCall(ID9, 'Iot', 'createAuthorizer', { authorizerName: 'a', authorizerFunctionArn: fn, signingDisabled: true })).toEqual(NON_COMPLIANT);
    expect(onCall(ID9, 'Iot', 'createAuthorizer', {
      authorizerName: 'a', authorizerFunctionArn: fn, tokenKeyName: 'token', tokenSigningPublicKeys: { Key1: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----' },
    })).toEqual(COMPLIANT);
  });
});

describe('ID10: secrets written through SSM and Secrets Manager calls', () => {
  test('a SecureString value written literally is a literal secret, whatever its name', () => {
    expect(onCall(ID10, 'SSM', 'putParameter', { Name: '/fleet/endpoint-config', Type: 'SecureString', Value: 'hunter2-but-longer' }))
      .toEqual(['LiteralSecret::Create.parameters.Value']);
    expect(onCall(ID10, '@aws-sdk/client-ssm', 'PutParameterCommand', { Name: '/fleet/db/password', Type: 'String', Value: 'hunter2-but-longer' }))
      .toEqual(['LiteralSecret::Create.parameters.Value']);
  });
  test('a secret value written literally', () => {
    expect(onCall(ID10, 'SecretsManager', 'createSecret', { Name: 'fleet', SecretString: '{"password":"hunter2-but-longer"}' }))
      .toEqual(expect.arrayContaining(['LiteralSecret::Create.parameters.SecretString']));
    expect(onCall(ID10, '@aws-sdk/client-secrets-manager', 'putSecretValue', { SecretId: 'fleet', SecretString: 's3cr3t-value-here' }))
      .toEqual(['LiteralSecret::Create.parameters.SecretString']);
  });
  test('compliant twins: a plain String setting, a secret generated by Secrets Manager', () => {
    expect(onCall(ID10, 'SSM', 'putParameter', { Name: '/fleet/endpoint', Type: 'String', Value: 'a1b2c3-ats.iot.eu-west-1.amazonaws.com' })).toEqual(COMPLIANT);
    expect(onCall(ID10, 'SecretsManager', 'createSecret', { Name: 'fleet', Description: 'generated by rotation' })).toEqual(COMPLIANT);
  });
});

describe('the same calls in a plain template', () => {
  const attach = { service: 'Iot', action: 'attachThingPrincipal', parameters: { thingName: 't', principal: CERT } };
  test('Create as a JSON string, as an object, and as an Fn::Join-built JSON string', () => {
    expect(checkType(ID6, included(JSON.stringify(attach)), CR)).toEqual(NON_COMPLIANT);
    expect(checkType(ID6, included(attach), CR)).toEqual(NON_COMPLIANT);
    const joined = { 'Fn::Join': ['', ['{"service":"Iot","action":"attachThingPrincipal","parameters":{"thingName":"', { Ref: 'Thing' }, '","principal":"', { 'Fn::GetAtt': ['Cert', 'Arn'] }, '","thingPrincipalType":"EXCLUSIVE_THING"}}']] };
    const stack = included(joined, {
      Thing: { Type: 'AWS::IoT::Thing', Properties: {} },
      Cert: { Type: 'AWS::IoT::Certificate', Properties: { CertificateSigningRequest: 'csr', Status: 'ACTIVE' } },
    });
    expect(checkType(ID6, stack, CR)).toEqual(COMPLIANT);
  });
  test('the older camel-cased form: create, booleans encoded as TRUE:BOOLEAN, on AWS::CloudFormation::CustomResource of the provider', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        AWS679f53fac002430cb0da5b7982bd22872D164C4C: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', Runtime: 'nodejs20.x', Role: ROLE_ARN, Code: { ZipFile: 'x' } } },
        Call: {
          Type: 'AWS::CloudFormation::CustomResource',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['AWS679f53fac002430cb0da5b7982bd22872D164C4C', 'Arn'] },
            create: { service: 'Iot', action: 'setV2LoggingOptions', parameters: { roleArn: ROLE_ARN, defaultLogLevel: 'INFO', disableAllLogs: 'TRUE:BOOLEAN' } },
          },
        },
      },
    });
    expect(checkType(MON1, stack, 'AWS::CloudFormation::CustomResource')).toEqual(['Disabled::DefaultLogLevel']);
  });
  test('Fn::If inside the call: each branch is judged', () => {
    const create = { 'Fn::Join': ['', ['{"service":"Iot","action":"attachThingPrincipal","parameters":{"thingName":"t","principal":"', CERT, '","thingPrincipalType":"', { 'Fn::If': ['Strict', 'EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING'] }, '"}}']] };
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { Mode: { Type: 'String', AllowedValues: ['a', 'b'] } },
      Conditions: { Strict: { 'Fn::Equals': [{ Ref: 'Mode' }, 'a'] } },
      Resources: { Call: { Type: CR, Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:p', Create: create } } },
    });
    expect(checkType(ID6, stack, CR)).toEqual(NON_COMPLIANT);
  });
});

describe('custom resources of any other provider', () => {
  const OPEN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
  test('a PolicyDocument (object or JSON string, any casing) is analyzed as an IoT policy', () => {
    expect(checkType(ID1, included(undefined, { P: { Type: 'Custom::DevicePolicy', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:p', PolicyDocument: OPEN } } }), 'Custom::DevicePolicy')).toEqual(['Action::iot:*']);
    expect(checkType(ID1, included(undefined, { P: { Type: 'Custom::DevicePolicy', Properties: { ServiceToken: 'x', policyDocument: JSON.stringify(OPEN) } } }), 'Custom::DevicePolicy')).toEqual(['Action::iot:*']);
    expect(checkType(ID13, included(undefined, { P: { Type: 'Custom::DevicePolicy', Properties: { ServiceToken: 'x', policyDocument: JSON.stringify(OPEN) } } }), 'Custom::DevicePolicy')).toEqual(COMPLIANT);
  });
  test('an unreadable policy document is said so by ID13', () => {
    const stack = included(undefined, { P: { Type: 'Custom::DevicePolicy', Properties: { ServiceToken: 'x', PolicyDocument: { 'Fn::ImportValue': 'Doc' } } } });
    expect(checkType(ID13, stack, 'Custom::DevicePolicy')).toEqual(['Unreadable::PolicyDocument']);
  });
  test('a role alias with its role ARN: the role is judged as a credentials-provider role', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: TRUST, policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }] });
    new CfnResource(stack, 'Alias', { type: 'Custom::RoleAlias', properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:p', RoleAliasName: 'devices', RoleArn: role.attrArn } });
    expect(checkType(GW1, stack, 'Custom::RoleAlias')).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
    const s2 = newStack();
    new CfnResource(s2, 'Alias', { type: 'Custom::RoleAlias', properties: { ServiceToken: 'x', roleAlias: 'devices', Role: 'devices-role' } });
    expect(checkType(ID13, s2, 'Custom::RoleAlias')).toEqual(['Unreadable::RoleArn']);
    expect(checkType(GW1, s2, 'Custom::RoleAlias')).toEqual(NOT_APPLICABLE);
  });
  test('a custom resource with nothing IoT in it is left alone', () => {
    const stack = included(undefined, { P: { Type: 'Custom::Anything', Properties: { ServiceToken: 'x', Bucket: 'b' } } });
    for (const rule of [ID1, ID6, GW1, ID13]) expect(checkType(rule, stack, 'Custom::Anything')).toEqual(rule === ID13 ? COMPLIANT : NOT_APPLICABLE);
  });
});

describe('ID13: an AwsCustomResource call the pack cannot read', () => {
  test('Create from an import, or a computed action', () => {
    expect(checkType(ID13, included({ 'Fn::ImportValue': 'Call' }), CR)).toEqual(['Unreadable::Create']);
    const computed = { 'Fn::Join': ['', ['{"service":"Iot","action":"', { 'Fn::ImportValue': 'Action' }, '","parameters":{}}']] };
    expect(checkType(ID13, included(computed), CR)).toEqual(['Unreadable::Create']);
    expect(checkType(ID13, included({ service: 'Iot', action: 'attachThingPrincipal', parameters: { 'Fn::ImportValue': 'Params' } }), CR)).toEqual(['Unreadable::Create.parameters']);
  });
  test('readable calls, mapped or not, are compliant', () => {
    expect(onCall(ID13, 'Iot', 'describeEndpoint', { endpointType: 'iot:Data-ATS' })).toEqual(COMPLIANT);
    expect(onCall(ID13, 'Iot', 'attachThingPrincipal', { thingName: 't', principal: CERT })).toEqual(COMPLIANT);
  });
});

describe('the pack', () => {
  test('reports on the custom resource, honours its acknowledgments, and leaves the tree and template as they were', () => {
    const stack = newStack();
    const call = l2(stack, 'IoT', 'attachThingPrincipal', { thingName: 't', principal: CERT });
    l2(stack, 'IoT', 'setV2LoggingOptions', { roleArn: ROLE_ARN, defaultLogLevel: 'DISABLED' }, 'Logging');
    acknowledge(call, 'IoTSecurity::IoTSecurity-ID6', 'the certificate is a shared test bench identity');
    const before = stack.node.findAll().length;
    const template = JSON.stringify(stack.resolve((stack as any)._toCloudFormation()));
    const report = new IotSecurityChecks().validateScope(stack);
    const found = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(found).toContain('IoTSecurity-MON1[Disabled::DefaultLogLevel] Test/Logging/Resource/Default');
    expect(found.filter((f) => f.startsWith('IoTSecurity-ID6'))).toEqual([]);
    expect(stack.node.findAll().length).toBe(before);
    expect(JSON.stringify(stack.resolve((stack as any)._toCloudFormation()))).toBe(template);
  });
  test('every API call mapped names a CloudFormation type some rule or the model reads', () => {
    for (const mapping of Object.values(API_CALLS)) expect(mapping.type).toMatch(/^AWS::(IoT|SSM|SecretsManager)::|^AWS::Lambda::Permission$|^AWS::IAM::Role$/);
  });
});

describe('the scanner on a template that provisions devices the way public IoT samples do', () => {
  test('things, keys and certificates, a policy, attachments and a role alias made by Custom::AWS', () => {
    const provider = { 'Fn::GetAtt': ['AWS679f53fac002430cb0da5b7982bd22872D164C4C', 'Arn'] };
    const call = (c: object) => ({ Type: CR, Properties: { ServiceToken: provider, Create: JSON.stringify(c), InstallLatestAwsSdk: false } });
    const template = {
      Resources: {
        AWS679f53fac002430cb0da5b7982bd22872D164C4C: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', Runtime: 'nodejs20.x', Role: ROLE_ARN, Code: { ZipFile: 'x' } } },
        DeviceRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: { 'Fn::Sub': '${AWS::StackName}-device' }, AssumeRolePolicyDocument: TRUST,
            Policies: [{ PolicyName: 'all', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
          },
        },
        CreateThing: call({ service: 'Iot', action: 'createThing', parameters: { thingName: 'sensor-1' } }),
        CreateCertificate: call({ service: 'Iot', action: 'createKeysAndCertificate', parameters: { setAsActive: true } }),
        CreatePolicy: call({ service: 'Iot', action: 'createPolicy', parameters: { policyName: 'sensor-policy', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) } }),
        AttachPolicy: {
          Type: CR,
          Properties: {
            ServiceToken: provider,
            Create: { 'Fn::Join': ['', ['{"service":"Iot","action":"attachPolicy","parameters":{"policyName":"sensor-policy","target":"', { 'Fn::GetAtt': ['CreateCertificate', 'certificateArn'] }, '"}}']] },
          },
        },
        AttachThing: {
          Type: CR,
          Properties: {
            ServiceToken: provider,
            Create: { 'Fn::Join': ['', ['{"service":"Iot","action":"attachThingPrincipal","parameters":{"thingName":"sensor-1","principal":"', { 'Fn::GetAtt': ['CreateCertificate', 'certificateArn'] }, '"}}']] },
          },
        },
        RoleAlias: {
          Type: CR,
          Properties: {
            ServiceToken: provider,
            Create: { 'Fn::Sub': '{"service":"Iot","action":"createRoleAlias","parameters":{"roleAlias":"sensor-alias","roleArn":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-device","credentialDurationSeconds":3600}}' },
          },
        },
      },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crscan-'));
    const file = path.join(dir, 'sample.template.json');
    fs.writeFileSync(file, JSON.stringify(template, null, 2));
    const result = scanTemplates([file]);
    const ids = result.findings.map((f) => `${f.resource} ${f.findingId}`);
    expect(ids).toEqual(expect.arrayContaining([
      'CreatePolicy IoTSecurity-ID1[Action::iot:*]',
      'AttachThing IoTSecurity-ID6',
      'RoleAlias IoTSecurity-GW1[Action::s3:*]',
      'RoleAlias IoTSecurity-GW1[Resource::*]',
    ]));
    // One cause, one finding: the role behind the alias is GW1's, not GW3's too.
    expect(ids.filter((i) => i.startsWith('DeviceRole IoTSecurity-GW3'))).toEqual([]);
    expect(ids.filter((i) => i.includes('ID13'))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  test('the same calls in YAML with short tags', () => {
    const yaml = [
      'Resources:',
      '  DeviceRole:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      RoleName: !Sub "${AWS::StackName}-device"',
      '      AssumeRolePolicyDocument: {"Statement": [{"Effect": "Allow", "Principal": {"Service": "credentials.iot.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
      '      Policies: [{"PolicyName": "all", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}}]',
      '  AttachThing:',
      '    Type: Custom::AWS',
      '    Properties:',
      '      ServiceToken: !GetAtt Provider.Arn',
      '      Create: !Sub \'{"service":"IoT","action":"AttachThingPrincipal","parameters":{"thingName":"sensor-1","principal":"${Cert.Arn}"}}\'',
      '  RoleAlias:',
      '    Type: Custom::AWS',
      '    Properties:',
      '      ServiceToken: !GetAtt Provider.Arn',
      '      Create:',
      '        service: Iot',
      '        action: createRoleAlias',
      '        parameters:',
      '          roleAlias: sensor-alias',
      '          roleArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-device"',
      '          credentialDurationSeconds: 900',
      '  Cert:',
      '    Type: AWS::IoT::Certificate',
      '    Properties: {CertificateSigningRequest: csr, Status: ACTIVE}',
      '  Provider:',
      '    Type: AWS::Lambda::Function',
      '    Properties: {Handler: index.handler, Runtime: nodejs20.x, Role: arn:aws:iam::111111111111:role/p, Code: {ZipFile: x}}',
      '',
    ].join('\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crscan-'));
    const file = path.join(dir, 'sample.yaml');
    fs.writeFileSync(file, yaml);
    const ids = scanTemplates([file]).findings.map((f) => `${f.resource} ${f.findingId}`);
    expect(ids).toEqual(expect.arrayContaining(['AttachThing IoTSecurity-ID6', 'RoleAlias IoTSecurity-GW1[Action::iot:*]']));
    expect(ids.filter((i) => i.startsWith('DeviceRole IoTSecurity-GW3'))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

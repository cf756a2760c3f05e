import { CfnParameter, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as ggv2 from 'aws-cdk-lib/aws-greengrassv2';
import {
  IoTGreengrassClientDevicePolicy as GW9,
  IoTGreengrassComponentNotRoot as GW11,
  IoTGreengrassDefaultUserNotRoot as GW10,
  IoTGreengrassLocalAccessControl as GW12,
} from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const DEPLOYMENT = 'AWS::GreengrassV2::Deployment';
const COMPONENT = 'AWS::GreengrassV2::ComponentVersion';
const GROUP = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/gateways';
const AUTH = 'aws.greengrass.clientdevices.Auth';
const NUCLEUS = 'aws.greengrass.Nucleus';
const STREAM_MANAGER = 'aws.greengrass.StreamManager';

/** A deployment (L1) that merges `config` into `component`. */
function deployment(stack: Stack, component: string, merge: string, id = 'D'): ggv2.CfnDeployment {
  return new ggv2.CfnDeployment(stack, id, {
    targetArn: GROUP,
    components: { [component]: { componentVersion: '2.0.0', configurationUpdate: { merge } } },
  });
}

/** A plain template with one deployment whose `component` gets `Merge: merge`. */
function deploymentTemplate(component: string, merge: unknown, extra: object = {}): object {
  return {
    ...extra,
    Resources: {
      D: { Type: DEPLOYMENT, Properties: { TargetArn: GROUP, Components: { [component]: { ComponentVersion: '2.0.0', ConfigurationUpdate: { Merge: merge } } } } },
    },
  };
}

function authConfig(policy: object, selectionRule = 'thingName: *'): object {
  return {
    deviceGroups: {
      formatVersion: '2021-03-05',
      definitions: { Sensors: { selectionRule, policyName: 'SensorPolicy' } },
      policies: { SensorPolicy: policy },
    },
  };
}

const CONNECT = { operations: ['mqtt:connect'], resources: ['*'] };
const NARROW = {
  AllowConnect: CONNECT,
  AllowPublish: { operations: ['mqtt:publish'], resources: ['mqtt:topic:sensors/temperature'] },
  AllowSubscribe: { operations: ['mqtt:subscribe'], resources: ['mqtt:topicfilter:sensors/commands/+'] },
};

describe('GW9 IoTGreengrassClientDevicePolicy', () => {
  test('Noncompliance: AWS\'s "permissive policy" example (every operation on every resource), L1 with a JSON string', () => {
    const d = deployment(newStack(), AUTH, JSON.stringify(authConfig({ AllowAll: { operations: ['*'], resources: ['*'] } })));
    expect(check(GW9, d)).toEqual(['AllOperations::SensorPolicy.AllowAll', 'AllTopics::SensorPolicy.AllowAll']);
  });

  test.each([
    ['mqtt:publish', '*'],
    ['mqtt:subscribe', 'mqtt:topicfilter:#'],
    ['mqtt:subscribe', 'mqtt:topicfilter:+/+/#'],
    ['MQTT:Publish', 'mqtt:topic:*'],
  ])('Noncompliance: %s on %s reaches every topic (plain template)', (operation, resource) => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(AUTH, JSON.stringify(authConfig({ AllowConnect: CONNECT, Wide: { operations: [operation], resources: [resource] } }))));
    expect(checkType(GW9, stack, DEPLOYMENT)).toEqual(['AllTopics::SensorPolicy.Wide']);
  });

  test('Noncompliance: mqtt:* on a named topic is still every operation; in one Fn::If branch of a plain template', () => {
    const stack = newStack();
    const wide = JSON.stringify(authConfig({ AllowMqtt: { operations: ['mqtt:*'], resources: ['mqtt:topic:a'] } }));
    includeTemplate(stack, deploymentTemplate(AUTH, { 'Fn::If': ['Dev', wide, JSON.stringify(authConfig(NARROW))] }, {
      Conditions: { Dev: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
    }));
    expect(checkType(GW9, stack, DEPLOYMENT)).toEqual(['AllOperations::SensorPolicy.AllowMqtt']);
  });

  test('Noncompliance: the merge built by Fn::Join around a reference (CDK token in JSON), the wildcard still literal', () => {
    const stack = newStack();
    const group = new CfnResource(stack, 'Group', { type: 'AWS::IoT::ThingGroup', properties: {} });
    const merge = stack.toJsonString(authConfig({ AllowAll: { statementDescription: group.ref, operations: ['*'], resources: ['mqtt:topic:a'] } }));
    expect(check(GW9, deployment(stack, AUTH, merge))).toEqual(['AllOperations::SensorPolicy.AllowAll']);
  });

  test('Noncompliance: a parameter whose allowed values include every topic', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Topic', { allowedValues: ['mqtt:topic:sensors/a', '*'] });
    const merge = Fn.sub(JSON.stringify(authConfig({ P: { operations: ['mqtt:publish'], resources: ['${Topic}'] } })));
    expect(check(GW9, deployment(stack, AUTH, merge))).toEqual(['AllTopics::SensorPolicy.P']);
  });

  test('Compliance: named topics and mqtt:connect on * (AWS\'s "restrictive policy"), in L1 and a plain template; other components', () => {
    expect(check(GW9, deployment(newStack(), AUTH, JSON.stringify(authConfig(NARROW, 'thingName: Sensor*'))))).toEqual(COMPLIANT);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(AUTH, JSON.stringify(authConfig(NARROW))));
    expect(checkType(GW9, stack, DEPLOYMENT)).toEqual(COMPLIANT);
    expect(check(GW9, deployment(newStack(), 'com.example.App', JSON.stringify(authConfig({ A: { operations: ['*'], resources: ['*'] } }))))).toEqual(COMPLIANT);
    expect(check(GW9, new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, components: { [AUTH]: { componentVersion: '2.5.0' } } }))).toEqual(COMPLIANT);
  });

  test('a merge or resource known only at deploy time is a finding, not a pass; malformed JSON is Invalid', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(AUTH, { 'Fn::ImportValue': 'auth-config' }));
    expect(checkType(GW9, stack, DEPLOYMENT)).toEqual([`Unresolved::Components.${AUTH}.ConfigurationUpdate.Merge`]);

    const s2 = newStack();
    new CfnParameter(s2, 'Res');
    const merge = Fn.sub(JSON.stringify(authConfig({ P: { operations: ['mqtt:publish'], resources: ['${Res}'] } })));
    expect(check(GW9, deployment(s2, AUTH, merge))).toEqual([`Unresolved::Components.${AUTH}.deviceGroups.policies.SensorPolicy.P.resources`]);

    expect(check(GW9, deployment(newStack(), AUTH, '{"deviceGroups":'))).toEqual([`Invalid::Components.${AUTH}.ConfigurationUpdate.Merge`]);
  });
});

describe('GW10 IoTGreengrassDefaultUserNotRoot', () => {
  test.each(['root', 'root:root', '0', '0:0', ' root :ggc_group'])('Noncompliance: runWithDefault.posixUser %j (L1)', (user) => {
    const d = deployment(newStack(), NUCLEUS, JSON.stringify({ runWithDefault: { posixUser: user } }));
    expect(check(GW10, d)).toEqual([`RootDefaultUser::Components.${NUCLEUS}.runWithDefault.posixUser`]);
  });

  test('Noncompliance: nucleus lite, in a plain template with Fn::Sub and a parameter allowing root', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate('aws.greengrass.NucleusLite', { 'Fn::Sub': '{"runWithDefault":{"posixUser":"${User}"}}' }, {
      Parameters: { User: { Type: 'String', AllowedValues: ['ggc_user', 'root'] } },
    }));
    expect(checkType(GW10, stack, DEPLOYMENT)).toEqual(['RootDefaultUser::Components.aws.greengrass.NucleusLite.runWithDefault.posixUser']);
  });

  test('Compliance: an unprivileged user (ggc_user, a user named rootless), a nucleus without a merge or without runWithDefault', () => {
    for (const user of ['ggc_user:ggc_group', 'rootless', '1001:1001']) {
      expect(check(GW10, deployment(newStack(), NUCLEUS, JSON.stringify({ runWithDefault: { posixUser: user } })))).toEqual(COMPLIANT);
    }
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(NUCLEUS, '{"jvmOptions":"-Xmx64m"}'));
    expect(checkType(GW10, stack, DEPLOYMENT)).toEqual(COMPLIANT);
  });

  test('a user from a parameter without allowed values is Unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(NUCLEUS, { 'Fn::Sub': '{"runWithDefault":{"posixUser":"${User}"}}' }, {
      Parameters: { User: { Type: 'String' } },
    }));
    expect(checkType(GW10, stack, DEPLOYMENT)).toEqual([`Unresolved::Components.${NUCLEUS}.runWithDefault.posixUser`]);
  });
});

describe('GW11 IoTGreengrassComponentNotRoot', () => {
  const YAML_RECIPE = [
    'RecipeFormatVersion: "2020-01-25"',
    'ComponentName: com.example.Collector',
    'ComponentVersion: "1.0.0"',
    'Manifests:',
    '  - Platform:',
    '      os: linux',
    '    Lifecycle:',
    '      Install:',
    '        RequiresPrivilege: true',
    '        Script: pip3 install -r {artifacts:path}/requirements.txt',
    '      Run:',
    '        RequiresPrivilege: %PRIV%',
    '        Script: python3 {artifacts:path}/collector.py',
  ].join('\n');

  test('Noncompliance: a deployment runs a component as root (L1), or as uid 0 in a plain template', () => {
    const d = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP,
      components: { 'com.example.App': { componentVersion: '1.0.0', runWith: { posixUser: 'root' } } },
    });
    expect(check(GW11, d)).toEqual(['RunsAsRoot::Components.com.example.App.RunWith.PosixUser']);
    const stack = newStack();
    includeTemplate(stack, { Resources: { D: { Type: DEPLOYMENT, Properties: { TargetArn: GROUP, Components: { 'com.example.App': { RunWith: { PosixUser: '0:0' } } } } } } });
    expect(checkType(GW11, stack, DEPLOYMENT)).toEqual(['RunsAsRoot::Components.com.example.App.RunWith.PosixUser']);
  });

  test('Noncompliance: a YAML recipe whose Run step RequiresPrivilege (L1), a JSON recipe\'s global lifecycle under a selection', () => {
    const c = new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: YAML_RECIPE.replace('%PRIV%', 'true') });
    expect(check(GW11, c)).toEqual(['RequiresPrivilege::Manifests.0.Lifecycle.Run']);
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        C: {
          Type: COMPONENT,
          Properties: {
            InlineRecipe: JSON.stringify({
              RecipeFormatVersion: '2020-01-25', ComponentName: 'com.example.Bridge', ComponentVersion: '1.0.0',
              Manifests: [{ Platform: { os: 'linux' }, Selections: ['linux'] }],
              Lifecycle: { linux: { startup: { requiresPrivilege: 'TRUE', script: './bridge' } } },
            }),
          },
        },
      },
    });
    expect(checkType(GW11, stack, COMPONENT)).toEqual(['RequiresPrivilege::Lifecycle.linux.startup']);
  });

  test('Compliance: privilege only for Install, unprivileged Run, a deployment with ggc_user, a Lambda component', () => {
    expect(check(GW11, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: YAML_RECIPE.replace('%PRIV%', 'false') }))).toEqual(COMPLIANT);
    const d = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP, components: { 'com.example.App': { componentVersion: '1.0.0', runWith: { posixUser: 'ggc_user:ggc_group' } } },
    });
    expect(check(GW11, d)).toEqual(COMPLIANT);
    const lambda = new ggv2.CfnComponentVersion(newStack(), 'L', {
      lambdaFunction: { lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f:1' },
    });
    expect(check(GW11, lambda)).toEqual(NOT_APPLICABLE);
  });

  test('a recipe from an import or a privilege from a parameter is Unresolved; a recipe that is neither JSON nor YAML is Invalid', () => {
    const stack = newStack();
    includeTemplate(stack, { Resources: { C: { Type: COMPONENT, Properties: { InlineRecipe: { 'Fn::ImportValue': 'recipe' } } } } });
    expect(checkType(GW11, stack, COMPONENT)).toEqual(['Unresolved::InlineRecipe']);

    const s2 = newStack();
    new CfnParameter(s2, 'Priv');
    const c = new ggv2.CfnComponentVersion(s2, 'C', { inlineRecipe: Fn.sub(YAML_RECIPE.replace('%PRIV%', '${Priv}')) });
    expect(check(GW11, c)).toEqual(['Unresolved::Manifests.0.Lifecycle.Run.RequiresPrivilege']);

    expect(check(GW11, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: 'Manifests: [unclosed' }))).toEqual(['Invalid::InlineRecipe']);
  });
});

describe('GW12 IoTGreengrassLocalAccessControl: stream manager', () => {
  test.each([false, 'false', 'FALSE'])('Noncompliance: STREAM_MANAGER_AUTHENTICATE_CLIENT %j (L1)', (value) => {
    const d = deployment(newStack(), STREAM_MANAGER, JSON.stringify({ STREAM_MANAGER_AUTHENTICATE_CLIENT: value }));
    expect(check(GW12, d)).toEqual([`ClientAuthDisabled::Components.${STREAM_MANAGER}`]);
  });

  test('Noncompliance: in one branch of an Fn::If in a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(STREAM_MANAGER, {
      'Fn::If': ['Dev', '{"STREAM_MANAGER_AUTHENTICATE_CLIENT":"false"}', '{"STREAM_MANAGER_SERVER_PORT":"8088"}'],
    }, { Conditions: { Dev: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } } }));
    expect(checkType(GW12, stack, DEPLOYMENT)).toEqual([`ClientAuthDisabled::Components.${STREAM_MANAGER}`]);
  });

  test('Compliance: the default, true, and other settings', () => {
    for (const merge of ['{"STREAM_MANAGER_AUTHENTICATE_CLIENT":"true"}', '{"STREAM_MANAGER_SERVER_PORT":"8088"}']) {
      expect(check(GW12, deployment(newStack(), STREAM_MANAGER, merge))).toEqual(COMPLIANT);
    }
    expect(check(GW12, new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, components: { [STREAM_MANAGER]: { componentVersion: '2.1.0' } } }))).toEqual(COMPLIANT);
  });

  test('a value known only at deploy time is Unresolved', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Auth');
    const d = deployment(stack, STREAM_MANAGER, Fn.sub('{"STREAM_MANAGER_AUTHENTICATE_CLIENT":"${Auth}"}'));
    expect(check(GW12, d)).toEqual([`Unresolved::Components.${STREAM_MANAGER}.STREAM_MANAGER_AUTHENTICATE_CLIENT`]);
  });
});

describe('GW9 IoTGreengrassClientDevicePolicy: the EMQX broker bypassing client device auth', () => {
  const EMQX = 'aws.greengrass.clientdevices.mqtt.EMQX';
  const authFile = (content: string, key = 'mergeConfigurationFiles') => JSON.stringify({ [key]: { 'etc/plugins/aws_greengrass_emqx_auth.conf': content } });

  test.each(['auth_mode=bypass', 'auth_mode = bypass_on_failure\nuse_greengrass_managed_certificates=true'])('Noncompliance: %j (L1)', (content) => {
    expect(check(GW9, deployment(newStack(), EMQX, authFile(content)))).toEqual([`AuthBypass::Components.${EMQX}`]);
  });

  test('Noncompliance: in replaceConfigurationFiles, in a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate(EMQX, authFile('auth_mode=BYPASS\n', 'replaceConfigurationFiles')));
    expect(checkType(GW9, stack, DEPLOYMENT)).toEqual([`AuthBypass::Components.${EMQX}`]);
  });

  test('Compliance: auth_mode enabled, other EMQX files and settings', () => {
    for (const merge of [authFile('auth_mode=enabled\n'), JSON.stringify({ mergeConfigurationFiles: { 'etc/emqx.conf': 'broker.sys_interval=30s' } }), '{"emqx":{"log.level":"warning"}}']) {
      expect(check(GW9, deployment(newStack(), EMQX, merge))).toEqual(COMPLIANT);
    }
  });

  test('an auth file known only at deploy time is Unresolved', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Mode');
    const merge = Fn.sub(JSON.stringify({ mergeConfigurationFiles: { 'etc/plugins/aws_greengrass_emqx_auth.conf': 'auth_mode=${Mode}' } }));
    expect(check(GW9, deployment(stack, EMQX, merge))).toEqual([`Unresolved::Components.${EMQX}.mergeConfigurationFiles`]);
  });
});

describe('GW12 IoTGreengrassLocalAccessControl: IPC authorization policies', () => {
  const accessControl = (service: string, operations: string[], resources: string[]) => ({
    accessControl: { [service]: { 'com.example.App:1': { policyDescription: 'd', operations, resources } } },
  });
  const recipe = (configuration: object, format: 'json' | 'yaml' = 'json') => {
    const doc = {
      RecipeFormatVersion: '2020-01-25', ComponentName: 'com.example.App', ComponentVersion: '1.0.0',
      ComponentConfiguration: { DefaultConfiguration: configuration },
      Manifests: [{ Lifecycle: { Run: 'python3 -u {artifacts:path}/app.py' } }],
    };
    // JSON is YAML; a YAML recipe is written in flow style here so the test needs no YAML writer.
    return format === 'json' ? JSON.stringify(doc) : `# YAML recipe\n${JSON.stringify(doc)}`;
  };

  test.each([
    ['aws.greengrass.SecretManager', ['aws.greengrass#GetSecretValue'], ['*'], 'IpcAllResources'],
    ['aws.greengrass.ipc.mqttproxy', ['aws.greengrass#PublishToIoTCore'], ['*'], 'IpcAllResources'],
    ['aws.greengrass.ipc.pubsub', ['*'], ['local/topic'], 'IpcAllOperations'],
  ])('Noncompliance: a recipe granting %s %j on %j (L1)', (service, operations, resources, kind) => {
    const c = new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: recipe(accessControl(service, operations, resources)) });
    expect(check(GW12, c)).toEqual([`${kind}::${service}.com.example.App:1`]);
  });

  test('Noncompliance: a deployment merge that widens a component\'s policy (plain template), a YAML recipe', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate('com.example.App', JSON.stringify(accessControl('aws.greengrass.ShadowManager', ['aws.greengrass#GetThingShadow'], ['*']))));
    expect(checkType(GW12, stack, DEPLOYMENT)).toEqual(['IpcAllResources::aws.greengrass.ShadowManager.com.example.App:1']);
    const c = new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: recipe(accessControl('aws.greengrass.Cli', ['*'], ['*']), 'yaml') });
    expect(check(GW12, c)).toEqual(['IpcAllOperations::aws.greengrass.Cli.com.example.App:1', 'IpcAllResources::aws.greengrass.Cli.com.example.App:1']);
  });

  test('Compliance: named secrets and topics, local pub/sub on every topic, a recipe without accessControl, a Lambda component', () => {
    for (const config of [
      accessControl('aws.greengrass.SecretManager', ['aws.greengrass#GetSecretValue'], ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-AbCdEf']),
      accessControl('aws.greengrass.ipc.mqttproxy', ['aws.greengrass#PublishToIoTCore'], ['sensors/gateway-1/telemetry']),
      accessControl('aws.greengrass.ipc.pubsub', ['aws.greengrass#SubscribeToTopic'], ['*']),
      { message: 'hello' },
    ]) {
      expect(check(GW12, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: recipe(config) }))).toEqual(COMPLIANT);
    }
    expect(check(GW12, new ggv2.CfnComponentVersion(newStack(), 'L', { lambdaFunction: { lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f:1' } }))).toEqual(NOT_APPLICABLE);
  });

  test('resources known only at deploy time are Unresolved', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Secret');
    const merge = Fn.sub(JSON.stringify(accessControl('aws.greengrass.SecretManager', ['aws.greengrass#GetSecretValue'], ['${Secret}'])));
    expect(check(GW12, deployment(stack, 'com.example.App', merge)))
      .toEqual(['Unresolved::Components.com.example.App.accessControl.aws.greengrass.SecretManager.com.example.App:1.resources']);
  });
});

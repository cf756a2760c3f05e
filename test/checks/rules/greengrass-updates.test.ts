import { CfnParameter, CfnResource } from 'aws-cdk-lib';
import * as ggv2 from 'aws-cdk-lib/aws-greengrassv2';
import {
  IoTGreengrassDeploymentAbort as UPD6,
  IoTGreengrassDeploymentRollback as UPD5,
  IoTGreengrassDeploymentStagedRollout as UPD7,
} from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

const TYPE = 'AWS::GreengrassV2::Deployment';
const GROUP = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/gateways';
const ONE_CORE = 'arn:aws:iot:eu-west-1:123456789012:thing/gateway-17';
const COMPONENTS = { 'com.example.App': { ComponentVersion: '1.0.0' } };
const ABORT = { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 10 }] };
const ROLLOUT = { MaximumPerMinute: 50 };

function deploymentTemplate(props: object, extra: object = {}): object {
  return { ...extra, Resources: { D: { Type: TYPE, Properties: { TargetArn: GROUP, Components: COMPONENTS, ...props } } } };
}

describe('UPD5 IoTGreengrassDeploymentRollback', () => {
  test('Noncompliance: DO_NOTHING (L1), do_nothing from a parameter\'s allowed values (plain template)', () => {
    const d = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: ONE_CORE, components: { 'com.example.App': { componentVersion: '1.0.0' } },
      deploymentPolicies: { failureHandlingPolicy: 'DO_NOTHING' },
    });
    expect(check(UPD5, d)).toEqual(['NoRollback::DeploymentPolicies.FailureHandlingPolicy']);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ DeploymentPolicies: { FailureHandlingPolicy: { Ref: 'Failure' } } }, {
      Parameters: { Failure: { Type: 'String', AllowedValues: ['ROLLBACK', 'do_nothing'] } },
    }));
    expect(checkType(UPD5, stack, TYPE)).toEqual(['NoRollback::DeploymentPolicies.FailureHandlingPolicy']);
  });

  test('Compliance: ROLLBACK, and no policy at all (ROLLBACK is the default)', () => {
    const a = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, deploymentPolicies: { failureHandlingPolicy: 'ROLLBACK' } });
    const b = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, deploymentPolicies: { componentUpdatePolicy: { action: 'NOTIFY_COMPONENTS' } } });
    const c = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP });
    for (const d of [a, b, c]) expect(check(UPD5, d)).toEqual(COMPLIANT);
  });

  test('a policy from a parameter without allowed values or an import is Unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ DeploymentPolicies: { FailureHandlingPolicy: { Ref: 'Failure' } } }, {
      Parameters: { Failure: { Type: 'String' } },
    }));
    expect(checkType(UPD5, stack, TYPE)).toEqual(['Unresolved::DeploymentPolicies.FailureHandlingPolicy']);
    const d = new CfnResource(newStack(), 'D', { type: TYPE, properties: { TargetArn: GROUP, DeploymentPolicies: { 'Fn::ImportValue': 'policies' } } });
    expect(check(UPD5, d)).toEqual(['Unresolved::DeploymentPolicies']);
  });
});

describe('UPD6 IoTGreengrassDeploymentAbort', () => {
  test('Noncompliance: a group deployment without IotJobConfiguration (L1) or without AbortConfig (plain template)', () => {
    const d = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, components: { 'com.example.App': { componentVersion: '1.0.0' } } });
    expect(check(UPD6, d)).toEqual(['Missing::IotJobConfiguration.AbortConfig']);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ IotJobConfiguration: { JobExecutionsRolloutConfig: ROLLOUT } }));
    expect(checkType(UPD6, stack, TYPE)).toEqual(['Missing::IotJobConfiguration.AbortConfig']);
  });

  test('Noncompliance: a criterion only on TIMED_OUT, a threshold above 50 %, an Fn::If that removes the abort', () => {
    const timedOut = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP,
      iotJobConfiguration: { abortConfig: { criteriaList: [{ action: 'CANCEL', failureType: 'TIMED_OUT', minNumberOfExecutedThings: 5, thresholdPercentage: 10 }] } },
    });
    expect(check(UPD6, timedOut)).toEqual(['NoFailureCriterion::IotJobConfiguration.AbortConfig.CriteriaList']);
    const high = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP,
      iotJobConfiguration: { abortConfig: { criteriaList: [{ action: 'CANCEL', failureType: 'ALL', minNumberOfExecutedThings: 5, thresholdPercentage: 80 }] } },
    });
    expect(check(UPD6, high)).toEqual(['ThresholdAbove50::IotJobConfiguration.AbortConfig.CriteriaList.0.ThresholdPercentage']);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ IotJobConfiguration: { AbortConfig: { 'Fn::If': ['Prod', ABORT, { Ref: 'AWS::NoValue' }] } } }, {
      Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
    }));
    expect(checkType(UPD6, stack, TYPE)).toEqual(['Missing::IotJobConfiguration.AbortConfig']);
  });

  test('Compliance: abort on FAILED at 10 % (L1 and plain template); one core device by ARN or by GetAtt of a thing', () => {
    const d = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP,
      iotJobConfiguration: { abortConfig: { criteriaList: [{ action: 'CANCEL', failureType: 'FAILED', minNumberOfExecutedThings: 10, thresholdPercentage: 10 }] } },
    });
    expect(check(UPD6, d)).toEqual(COMPLIANT);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ IotJobConfiguration: { AbortConfig: ABORT } }));
    expect(checkType(UPD6, stack, TYPE)).toEqual(COMPLIANT);
    expect(check(UPD6, new ggv2.CfnDeployment(newStack(), 'D', { targetArn: ONE_CORE }))).toEqual(COMPLIANT);
    const s3 = newStack();
    includeTemplate(s3, {
      Resources: {
        Core: { Type: 'AWS::IoT::Thing', Properties: {} },
        D: { Type: TYPE, Properties: { TargetArn: { 'Fn::GetAtt': ['Core', 'Arn'] }, Components: COMPONENTS } },
      },
    });
    expect(checkType(UPD6, s3, TYPE)).toEqual(COMPLIANT);
  });

  test('a target or threshold known only at deploy time is judged as a group, its threshold Unresolved', () => {
    const stack = newStack();
    const target = new CfnParameter(stack, 'Target');
    const threshold = new CfnParameter(stack, 'Threshold', { type: 'Number' });
    const d = new ggv2.CfnDeployment(stack, 'D', {
      targetArn: target.valueAsString,
      iotJobConfiguration: { abortConfig: { criteriaList: [{ action: 'CANCEL', failureType: 'FAILED', minNumberOfExecutedThings: 5, thresholdPercentage: threshold.valueAsNumber }] } },
    });
    expect(check(UPD6, d)).toEqual(['Unresolved::IotJobConfiguration.AbortConfig.CriteriaList.0.ThresholdPercentage']);
  });
});

describe('UPD7 IoTGreengrassDeploymentStagedRollout', () => {
  test('Noncompliance: a group deployment without a rollout (L1), or with an empty one (plain template)', () => {
    const d = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, iotJobConfiguration: { abortConfig: { criteriaList: [] } } });
    expect(check(UPD7, d)).toEqual(['Missing::IotJobConfiguration.JobExecutionsRolloutConfig']);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ IotJobConfiguration: { JobExecutionsRolloutConfig: {} } }));
    expect(checkType(UPD7, stack, TYPE)).toEqual(['Missing::IotJobConfiguration.JobExecutionsRolloutConfig']);
  });

  test('Compliance: a constant or exponential rate, a rate from a parameter; one core device', () => {
    const constant = new ggv2.CfnDeployment(newStack(), 'D', { targetArn: GROUP, iotJobConfiguration: { jobExecutionsRolloutConfig: { maximumPerMinute: 20 } } });
    const exponential = new ggv2.CfnDeployment(newStack(), 'D', {
      targetArn: GROUP,
      iotJobConfiguration: { jobExecutionsRolloutConfig: { exponentialRate: { baseRatePerMinute: 5, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 10 } } } },
    });
    for (const d of [constant, exponential]) expect(check(UPD7, d)).toEqual(COMPLIANT);
    const stack = newStack();
    includeTemplate(stack, deploymentTemplate({ IotJobConfiguration: { JobExecutionsRolloutConfig: { MaximumPerMinute: { Ref: 'Rate' } } } }, {
      Parameters: { Rate: { Type: 'Number', Default: 10 } },
    }));
    expect(checkType(UPD7, stack, TYPE)).toEqual(COMPLIANT);
    expect(check(UPD7, new ggv2.CfnDeployment(newStack(), 'D', { targetArn: ONE_CORE }))).toEqual(COMPLIANT);
  });

  test('a job configuration from an import is Unresolved', () => {
    const d = new CfnResource(newStack(), 'D', { type: TYPE, properties: { TargetArn: GROUP, IotJobConfiguration: { 'Fn::ImportValue': 'job' } } });
    expect(check(UPD7, d)).toEqual(['Unresolved::IotJobConfiguration']);
  });
});

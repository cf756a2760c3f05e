/*
 * A generated app of about N resources for the rule-pack benchmark: a realistic IoT mix
 * (policies, topic rules, role aliases with their roles, things, certificates, job templates)
 * beside the common resources AwsSolutionsChecks looks at (buckets, functions, queues, topics).
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';

const THING_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:111122223333:client/${iot:Connection.Thing.ThingName}' },
    { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: 'arn:aws:iot:eu-west-1:111122223333:topic/dt/${iot:Connection.Thing.ThingName}/*' },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: 'arn:aws:iot:eu-west-1:111122223333:topicfilter/cmd/${iot:Connection.Thing.ThingName}/*' },
  ],
};

/** Builds the app; returns it with the number of CloudFormation resources it holds. */
export function generatedApp(targetResources: number): { app: App; resources: number } {
  const app = new App();
  const count = (s: Stack) => s.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
  let stack = new Stack(app, 'Bench0');
  let done = 0;
  let inStack = 0;
  let unit = 0;
  while (done + inStack < targetResources) {
    // CloudFormation allows 500 resources a stack; keep well inside it.
    if (inStack >= 400) {
      done += inStack;
      inStack = 0;
      stack = new Stack(app, `Bench${app.node.children.length}`);
    }
    const u = `U${unit++}`;
    new iot.CfnPolicy(stack, `${u}Policy`, { policyDocument: THING_POLICY });
    new iot.CfnTopicRule(stack, `${u}Rule`, {
      topicRulePayload: {
        sql: "SELECT * FROM 'dt/+/telemetry'",
        actions: [{ republish: { topic: 'out', roleArn: 'arn:aws:iam::111122223333:role/r' } }],
        errorAction: { republish: { topic: 'err', roleArn: 'arn:aws:iam::111122223333:role/r' } },
      },
    });
    const role = new iam.Role(stack, `${u}Role`, { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::firmware/*'] }));
    new iot.CfnRoleAlias(stack, `${u}Alias`, { roleArn: role.roleArn, credentialDurationSeconds: 900 });
    new iot.CfnThing(stack, `${u}Thing`, {});
    new iot.CfnJobTemplate(stack, `${u}Job`, {
      jobTemplateId: `job-${u}`, description: 'update', document: '{}',
      // AbortConfig and the rollout config are untyped JSON in the L1: CloudFormation's own casing.
      abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 5 }] },
      jobExecutionsRolloutConfig: { MaximumPerMinute: 100 },
      timeoutConfig: { InProgressTimeoutInMinutes: 60 },
    });
    new s3.Bucket(stack, `${u}Bucket`, { enforceSSL: true });
    new sqs.Queue(stack, `${u}Queue`);
    new sns.Topic(stack, `${u}Topic`);
    new lambda.Function(stack, `${u}Fn`, {
      runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}'),
    });
    inStack = count(stack);
  }
  return { app, resources: done + inStack };
}

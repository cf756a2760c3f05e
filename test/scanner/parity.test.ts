/*
 * The scanner runs the same rules as the pack: a CDK app judged in place by IotSecurityChecks and
 * its synthesized cloud assembly judged by `cdk-secure-iot scan` give the same findings.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IotSecurityChecks, scanTemplates } from '../../lib';

function insecureApp(outdir: string): App {
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Fleet');
  const topic = new CfnParameter(stack, 'TopicScope', { allowedValues: ['*', 'dt/a'], default: 'dt/a' });
  new iot.CfnPolicy(stack, 'OpenPolicy', {
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: Fn.sub('arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/${T}', { T: topic.valueAsString }) },
        { Effect: 'Deny', Action: 'iot:Subscribe', Resource: 'arn:aws:iot:*:*:topicfilter/admin/#' },
      ],
    },
  });
  new iot.CfnTopicRule(stack, 'Rule', {
    topicRulePayload: { sql: "SELECT * FROM 'dt/+'", actions: [{ republish: { topic: 'out', roleArn: 'arn:aws:iam::111122223333:role/r' } }] },
  });
  const role = new iam.Role(stack, 'GatewayRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.roleArn, credentialDurationSeconds: 43200 });
  new iot.CfnJobTemplate(stack, 'Job', { jobTemplateId: 'update', description: 'update', document: '{}' });
  new iot.CfnDomainConfiguration(stack, 'Domain', { tlsConfig: { securityPolicy: 'IoTSecurityPolicy_TLS12_1_0_2015_01' } });
  new iot.CfnLogging(stack, 'Logging', { accountId: stack.account, roleArn: role.roleArn, defaultLogLevel: 'DISABLED' });
  return app;
}

test('a cloud assembly scanned gives the findings the pack gives on the app', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-parity-'));
  try {
    const app = insecureApp(outdir);
    const stack = app.node.findChild('Fleet') as Stack;
    const report = new IotSecurityChecks().validateScope(app);
    const fromPack = report.violations.flatMap((v) => v.violatingResources.map((r) => {
      const element = app.node.findAll().find((c) => c.node.path === r.constructPath) as CfnElement;
      return `${stack.resolve(element.logicalId)} ${v.ruleName} ${v.severity}`;
    })).sort();

    app.synth();
    const fromScan = scanTemplates([outdir]).findings.map((f) => `${f.resource} ${f.findingId} ${f.severity}`).sort();

    expect(fromPack.length).toBeGreaterThanOrEqual(15);
    expect(new Set(fromPack.map((f) => f.split(' ')[1].replace(/\[.*$/, ''))).size).toBeGreaterThan(8);
    expect(fromScan).toEqual(fromPack);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

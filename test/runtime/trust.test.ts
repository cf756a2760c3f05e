import { CfnTemplate, SynthesizedStack, synthesizedStacks } from './synthesized';
import { confusedDeputyFindings, describeFinding, SERVICE_TRUST, TrustFinding } from './trust-policy';

/*
 * Item 6 of issue 18 (confused deputy), over every template the reference app and the examples
 * write: each role a service assumes and each resource policy that lets a service in bounds it to
 * this account (aws:SourceAccount / aws:SourceArn, or the service's own equivalent) where AWS
 * documents that the service sends the keys. The table of services, with the AWS page for each
 * entry, is SERVICE_TRUST in lib/core/private/service-trust.ts.
 */

/**
 * Findings in areas whose owners fix them on their own branches (issue 18's split). Each entry must
 * still match a finding: once its owner's fix is merged the entry is stale and this test says so,
 * so the list only shrinks.
 */
const PENDING: Array<{ logicalId: RegExp; principal: string; owner: string }> = [
];

const pendingFor = (f: TrustFinding) => PENDING.find((p) => p.logicalId.test(f.logicalId) && p.principal === f.principal);

describe('confused deputy: every service let in is bounded to this account', () => {
  let findings: TrustFinding[];
  beforeAll(() => {
    findings = confusedDeputyFindings(synthesizedStacks());
  }, 1_200_000);

  test('no role or resource policy admits a service without the bounds AWS documents for it', () => {
    const unexpected = findings.filter((f) => !pendingFor(f)).map(describeFinding);
    expect(unexpected).toEqual([]);
  });

  test('every pending finding of another area still exists (remove the entry once its fix is merged)', () => {
    const stale = PENDING.filter((p) => !findings.some((f) => pendingFor(f) === p)).map((p) => `${p.owner}: ${p.logicalId} ${p.principal}`);
    expect(stale).toEqual([]);
  });
});

/**
 * CDK's own singleton providers, whose roles the library cannot reach to add conditions: each
 * trusts lambda.amazonaws.com alone, which takes none (see the table's lambda entry).
 */
const CDK_SINGLETON_PROVIDERS: Array<{ logicalId: RegExp; what: string }> = [
  { logicalId: /^AWS679f53fac002430cb0da5b7982bd2287ServiceRole/, what: 'AwsCustomResource\'s singleton function (custom-resources)' },
  { logicalId: /^CustomVpcRestrictDefaultSGCustomResourceProviderRole/, what: 'the provider behind ec2.Vpc restrictDefaultSecurityGroup' },
  { logicalId: /^CustomS3AutoDeleteObjectsCustomResourceProviderRole/, what: 'the provider behind s3 autoDeleteObjects' },
  { logicalId: /^LogRetention[0-9a-f]{32}ServiceRole/, what: 'the log retention singleton' },
];

describe('CDK\'s singleton providers', () => {
  test('each role of one trusts Lambda alone (no condition can bound it), and each listed provider is one the apps use or may use', () => {
    const seen: string[] = [];
    for (const stack of synthesizedStacks()) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        const provider = CDK_SINGLETON_PROVIDERS.find((p) => p.logicalId.test(logicalId));
        if (!provider || resource.Type !== 'AWS::IAM::Role') continue;
        seen.push(provider.what);
        const principals = (resource.Properties.AssumeRolePolicyDocument.Statement as any[]).map((st) => st.Principal);
        expect([`${stack.app}/${stack.stack}/${logicalId}`, principals]).toEqual([`${stack.app}/${stack.stack}/${logicalId}`, [{ Service: 'lambda.amazonaws.com' }]]);
      }
    }
    // The two the apps synthesize today are found (the others are listed for when a construct starts using them).
    expect([...new Set(seen)].sort()).toEqual(expect.arrayContaining([CDK_SINGLETON_PROVIDERS[0].what, CDK_SINGLETON_PROVIDERS[1].what]));
  }, 1_200_000);
});

describe('the table of services', () => {
  test('each entry names its source, and says why where a service is not bounded by aws:Source*', () => {
    for (const { principal, trust } of SERVICE_TRUST) {
      expect([String(principal), trust.source]).toEqual([String(principal), expect.stringMatching(/https:\/\/docs\.aws\.amazon\.com\//)]);
      if (trust.keys !== 'source-keys') expect([String(principal), trust.why]).toEqual([String(principal), expect.stringMatching(/.{40,}/)]);
      if (trust.keys !== 'unsupported') expect(trust.arnServices?.length).toBeGreaterThan(0);
    }
  });

  test('Lambda and Step Functions: execution roles of Lambda cannot be bounded, state machine roles can', () => {
    const role = (principal: string) => SERVICE_TRUST.find((e) => e.principal === principal && e.trust.where !== 'resource')!.trust.keys;
    expect(role('lambda.amazonaws.com')).toBe('unsupported');
    expect(role('states.amazonaws.com')).toBe('source-keys');
  });
});

/** A one-resource stack for the checker's own tests. */
function stackOf(resources: CfnTemplate['Resources'], environment = 'aws://unknown-account/unknown-region'): SynthesizedStack {
  return { app: 'test', stack: 'S', environment, template: { Resources: resources } };
}

function role(principal: unknown, condition?: unknown): CfnTemplate['Resources'] {
  return {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: principal }, ...(condition ? { Condition: condition } : {}) }] } },
    },
  };
}

const ACCOUNT = { Ref: 'AWS::AccountId' };
const arn = (service: string, resource: string, account: unknown = ACCOUNT) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', account, `:${resource}`]] });

describe('the checker', () => {
  const problems = (resources: CfnTemplate['Resources'], env?: string) => confusedDeputyFindings([stackOf(resources, env)]).map((f) => f.problem);

  test('a role trusted by iot.amazonaws.com with no condition is a finding naming the missing keys', () => {
    expect(problems(role('iot.amazonaws.com'))).toEqual(['missing aws:SourceAccount and aws:SourceArn (bound to this account)']);
  });

  test('aws:SourceAccount of this account, or aws:SourceArn of an IoT resource of this account, bounds it', () => {
    expect(problems(role('iot.amazonaws.com', { StringEquals: { 'aws:SourceAccount': ACCOUNT } }))).toEqual([]);
    expect(problems(role('iot.amazonaws.com', { ArnLike: { 'aws:SourceArn': arn('iot', 'rule/r') } }))).toEqual([]);
    expect(problems(role('iot.amazonaws.com', { StringEquals: { 'aws:sourceaccount': '111122223333' } }), 'aws://111122223333/eu-west-1')).toEqual([]);
  });

  test('a wildcard or another account in aws:SourceArn or aws:SourceAccount is a finding', () => {
    expect(problems(role('iot.amazonaws.com', { ArnLike: { 'aws:SourceArn': arn('iot', 'rule/r', '*') } }))[0]).toMatch(/not in this account/);
    expect(problems(role('iot.amazonaws.com', { StringLike: { 'aws:SourceAccount': '*' } }))[0]).toMatch(/not this account/);
    expect(problems(role('iot.amazonaws.com', { StringEquals: { 'aws:SourceAccount': '999999999999' } }), 'aws://111122223333/eu-west-1')[0]).toMatch(/not this account/);
  });

  test('an ARN of another service, or an IfExists condition (which passes when the key is absent), does not bound it', () => {
    expect(problems(role('iot.amazonaws.com', { ArnLike: { 'aws:SourceArn': arn('sns', 'topic') } }))[0]).toMatch(/not an ARN of iot/);
    expect(problems(role('iot.amazonaws.com', { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } }))).toEqual(['missing aws:SourceAccount and aws:SourceArn (bound to this account)']);
  });

  test('aws:SourceArn given as another resource\'s ARN must be a resource of the service', () => {
    const withTopic = (target: string) => ({
      ...role('sns.amazonaws.com'),
      Queue: { Type: 'AWS::SQS::Queue' },
      Topic: { Type: 'AWS::SNS::Topic' },
      Policy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: target } } } }] } },
      },
    });
    const policyProblems = (target: string) => confusedDeputyFindings([stackOf(withTopic(target))]).filter((f) => f.logicalId === 'Policy').map((f) => f.problem);
    expect(policyProblems('Topic')).toEqual([]);
    expect(policyProblems('Queue')[0]).toMatch(/not of a sns resource/);
  });

  test('a service the table does not know, and a resource policy type it does not know, are findings', () => {
    expect(problems(role('madeup.amazonaws.com'))[0]).toMatch(/not in the table/);
    expect(problems({ X: { Type: 'AWS::Foo::Bar', Properties: { Policy: { Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'x:Y' }] } } } })[0]).toMatch(/does not know/);
  });

  test('an EventBridge bus policy statement and a principal written with the URL suffix are read', () => {
    const busPolicy = (condition?: object) => ({ P: { Type: 'AWS::Events::EventBusPolicy', Properties: { EventBusName: 'b', StatementId: 's', Statement: { Effect: 'Allow', Action: 'events:PutEvents', Resource: '*', Principal: { Service: 'iot.amazonaws.com' }, ...(condition ? { Condition: condition } : {}) } } } });
    expect(problems(busPolicy())).toEqual(['missing aws:SourceAccount and aws:SourceArn (bound to this account)']);
    expect(problems(busPolicy({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }))).toEqual([]);
    expect(problems(role({ 'Fn::Join': ['', ['iot.', { Ref: 'AWS::URLSuffix' }]] }))).toEqual(['missing aws:SourceAccount and aws:SourceArn (bound to this account)']);
  });

  test('Lambda permissions are read from SourceAccount and SourceArn', () => {
    const permission = (extra: object) => ({ P: { Type: 'AWS::Lambda::Permission', Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 'iot.amazonaws.com', ...extra } } });
    expect(problems(permission({}))).toEqual(['missing aws:SourceAccount and aws:SourceArn (bound to this account)']);
    expect(problems(permission({ SourceArn: arn('iot', 'provisioningtemplate/t') }))).toEqual([]);
  });

  test('services whose keys are unsupported pass, the ones with an equivalent need it', () => {
    expect(problems(role('lambda.amazonaws.com'))).toEqual([]);
    const logsKey = (condition?: object) => ({ K: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt*', Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } }, ...(condition ? { Condition: condition } : {}) }] } } } });
    expect(problems(logsKey())[0]).toMatch(/missing kms:EncryptionContext:aws:logs:arn/);
    expect(problems(logsKey({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': arn('logs', 'log-group:*') } }))).toEqual([]);
  });
});

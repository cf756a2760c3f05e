import { CfnParameter, Fn } from 'aws-cdk-lib';
import * as ggv2 from 'aws-cdk-lib/aws-greengrassv2';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IoTPlainHttpUrl as TLS3 } from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const TARGET = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/sensors';

function jobDocument(url: string): string {
  return JSON.stringify({ operation: 'firmware-update', files: [{ fileName: 'fw.bin', url }], version: '1.2.0' });
}

describe('TLS3 IoTPlainHttpUrl', () => {
  test('Noncompliance: a job template document downloading over http:// (L1); user and port are left out of the finding', () => {
    const t = new iot.CfnJobTemplate(newStack(), 'T', { jobTemplateId: 'fw', description: 'fw', document: jobDocument('http://admin:s3cret@updates.example.com:8080/fw.bin') });
    expect(check(TLS3, t)).toEqual(['PlainHttp::updates.example.com']);
  });

  test('Noncompliance: a job in a plain template, its document in Fn::Sub with a host from a resource; HTTP in any case', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        J: {
          Type: 'AWS::IoT::Job',
          Properties: { JobId: 'fw', Targets: [TARGET], Document: { 'Fn::Sub': '{"url":"HTTP://${Bucket.RegionalDomainName}/fw.bin"}' } },
        },
      },
    });
    expect(checkType(TLS3, stack, 'AWS::IoT::Job')).toEqual(['PlainHttp::${Bucket.RegionalDomainName}']);
  });

  test('Noncompliance: the AWS-Download-File managed template\'s downloadUrl parameter, and one Fn::If branch', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Conditions: { Lab: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        J: {
          Type: 'AWS::IoT::Job',
          Properties: {
            JobId: 'dl', Targets: [TARGET],
            JobTemplateArn: 'arn:aws:iot:eu-west-1::jobtemplate/AWS-Download-File:1.0',
            DocumentParameters: {
              downloadUrl: { 'Fn::If': ['Lab', 'http://10.0.0.5/cfg.json', 'https://cfg.example.com/cfg.json'] },
              filePath: '/etc/app/cfg.json',
            },
          },
        },
      },
    });
    expect(checkType(TLS3, stack, 'AWS::IoT::Job')).toEqual(['PlainHttp::10.0.0.5']);
  });

  test('Noncompliance: a YAML recipe whose install script fetches over http (L1), a JSON recipe\'s default configuration', () => {
    const yaml = [
      'RecipeFormatVersion: "2020-01-25"',
      'ComponentName: com.example.Agent',
      'ComponentVersion: "1.0.0"',
      'Manifests:',
      '  - Lifecycle:',
      '      Install: curl -fsSL http://get.example.com/agent.sh | sh',
      '      Run: ./agent',
    ].join('\n');
    expect(check(TLS3, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: yaml }))).toEqual(['PlainHttp::get.example.com']);
    const json = JSON.stringify({
      RecipeFormatVersion: '2020-01-25', ComponentName: 'com.example.Uploader', ComponentVersion: '1.0.0',
      ComponentConfiguration: { DefaultConfiguration: { endpoint: 'http://[2001:db8::1]:8080/ingest' } },
      Manifests: [{ Lifecycle: { Run: './uploader' } }],
    });
    expect(check(TLS3, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: json }))).toEqual(['PlainHttp::[2001:db8::1]']);
  });

  test('Compliance: https, presigned S3 placeholders, loopback, $schema identifiers, s3:// artifacts; no document', () => {
    const docs = [
      jobDocument('https://updates.example.com/fw.bin'),
      jobDocument('${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/bucket/fw.bin}'),
      JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', steps: [{ action: { input: { handler: 'http://localhost:8080/apply' } } }] }),
      jobDocument('http://127.0.0.1/fw.bin'),
    ];
    for (const document of docs) {
      expect(check(TLS3, new iot.CfnJobTemplate(newStack(), 'T', { jobTemplateId: 't', description: 'd', document }))).toEqual(COMPLIANT);
    }
    const recipe = JSON.stringify({
      RecipeFormatVersion: '2020-01-25', ComponentName: 'com.example.App', ComponentVersion: '1.0.0',
      ComponentDescription: 'See http://wiki.example.com/app', ComponentSource: 'http://git.example.com/app',
      Manifests: [{ Lifecycle: { Run: 'python3 -u {artifacts:path}/app.py' }, Artifacts: [{ URI: 's3://bucket/app.py' }] }],
    });
    expect(check(TLS3, new ggv2.CfnComponentVersion(newStack(), 'C', { inlineRecipe: recipe }))).toEqual(COMPLIANT);
    expect(check(TLS3, new iot.CfnJobTemplate(newStack(), 'T', { jobTemplateId: 't', description: 'd', documentSource: 'https://bucket.s3.amazonaws.com/doc.json' }))).toEqual(NOT_APPLICABLE);
  });

  test('a document from an import or a parameter without allowed values is Unresolved; a parameter with allowed values is judged', () => {
    const stack = newStack();
    includeTemplate(stack, { Resources: { T: { Type: 'AWS::IoT::JobTemplate', Properties: { JobTemplateId: 't', Description: 'd', Document: { 'Fn::ImportValue': 'doc' } } } } });
    expect(checkType(TLS3, stack, 'AWS::IoT::JobTemplate')).toEqual(['Unresolved::Document']);

    const s2 = newStack();
    new CfnParameter(s2, 'Doc');
    expect(check(TLS3, new iot.CfnJobTemplate(s2, 'T', { jobTemplateId: 't', description: 'd', document: Fn.ref('Doc') }))).toEqual(['Unresolved::Document']);

    const s3 = newStack();
    new CfnParameter(s3, 'Scheme', { allowedValues: ['https', 'http'] });
    const t = new iot.CfnJobTemplate(s3, 'T', { jobTemplateId: 't', description: 'd', document: Fn.sub('{"url":"${Scheme}://fw.example.com/a.bin"}') });
    expect(check(TLS3, t)).toEqual(['PlainHttp::fw.example.com']);
  });

  test('user information written unencoded (`#`, `?`, `/`, `@` in the password) never reaches a finding; an `@` in the path is no user information', () => {
    const urls: Array<[string, string]> = [
      ['http://admin:p#ss@updates.example.com/fw.bin', 'updates.example.com'],
      ['http://admin:p?ss@updates.example.com:8080/fw.bin', 'updates.example.com'],
      ['http://admin:p/ss@updates.example.com/fw.bin', 'updates.example.com'],
      ['http://ad@min:p@ss@updates.example.com/fw.bin', 'updates.example.com'],
      ['http://admin:p#ss', 'admin'],
      ['http://fw.example.com/pkg@1.2.0/fw.bin', 'fw.example.com'],
    ];
    for (const [url, host] of urls) {
      const stack = newStack();
      const job = new iot.CfnJob(stack, 'J', { jobId: 'fw', targets: [TARGET], documentParameters: { downloadUrl: url } });
      const result = check(TLS3, job);
      expect(result).toEqual([`PlainHttp::${host}`]);
      expect(JSON.stringify(result)).not.toMatch(/p#ss|p\?ss|p\/ss|p@ss|:p\b/);
    }
    // And in a job document (JSON), in a plain template.
    const stack = newStack();
    includeTemplate(stack, { Resources: { T: { Type: 'AWS::IoT::JobTemplate', Properties: { JobTemplateId: 't', Description: 'd', Document: jobDocument('http://admin:p#ss@updates.example.com/fw.bin') } } } });
    expect(checkType(TLS3, stack, 'AWS::IoT::JobTemplate')).toEqual(['PlainHttp::updates.example.com']);
  });
});

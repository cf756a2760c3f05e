import { App } from 'aws-cdk-lib';
import {
  AppContext, CONTEXT_FORMS, parseContextObjectList, parseContextString, parseContextStringList,
} from '../../lib/core/private/app-context';

/*
 * `-c key=value` always hands the app a string; cdk.json hands it JSON. What the user sees when a
 * value is wrong is checked end to end, through the real `cdk synth`, in test/docs-commands.test.ts.
 */
const REGIONS = ['eu-west-1', 'us-east-1'];
const regions = (value: unknown) => parseContextStringList('baselineRegions', value, REGIONS, CONTEXT_FORMS.region);

describe('a JSON list of strings', () => {
  test('is read from the text of a JSON list (-c) and from a real array (cdk.json)', () => {
    expect(regions('["eu-west-1","us-east-1"]')).toEqual(REGIONS);
    expect(regions(' [ "eu-central-1" ] ')).toEqual(['eu-central-1']);
    expect(regions(['ap-southeast-2'])).toEqual(['ap-southeast-2']);
  });

  test('an empty list or value is refused: a list says where something goes, and an empty one would deploy nothing', () => {
    for (const empty of ['[]', [], '']) {
      expect(() => regions(empty)).toThrow(/^context value 'baselineRegions' must be a JSON list of strings, each an AWS Region name, at least one/);
    }
  });

  test('malformed JSON is refused, with the expected form for -c and for cdk.json', () => {
    expect(() => regions('["eu-west-1",')).toThrow(
      'context value \'baselineRegions\' must be a JSON list of strings, each an AWS Region name, at least one, '
      + 'e.g. -c baselineRegions=\'["eu-west-1","us-east-1"]\' or "baselineRegions": ["eu-west-1","us-east-1"] in cdk.json; '
      + 'got \'["eu-west-1",\' (not valid JSON)',
    );
    expect(() => regions('[eu-west-1]')).toThrow(/got '\[eu-west-1\]' \(not valid JSON\)/);
  });

  test('a list of non-strings, or of strings of the wrong form, is refused, naming the item', () => {
    expect(() => regions('[1, 2]')).toThrow(/baselineRegions.*got '\[1, 2\]' \(1 is not an AWS Region name\)/);
    expect(() => regions([{ region: 'eu-west-1' }])).toThrow(/got \[\{"region":"eu-west-1"\}\] \(\{"region":"eu-west-1"\} is not an AWS Region name\)/);
    expect(() => regions('["eu-west-1","Frankfurt"]')).toThrow(/\('Frankfurt' is not an AWS Region name\)/);
    expect(() => parseContextStringList('ous', '[null]', ['ou-abcd-11111111'])).toThrow(/must be a JSON list of strings, at least one.*\(null is not a string\)/);
  });

  test('a JSON value that is not a list is refused', () => {
    expect(() => regions('"eu-west-1"')).toThrow(/got '"eu-west-1"'$/);
    expect(() => regions('{"a":1}')).toThrow(/got '\{"a":1\}'$/);
    expect(() => regions(42)).toThrow(/got 42$/);
  });

  test('a comma-separated string is refused with the JSON form shown, not split: one form for cdk.json and -c, no guessing', () => {
    expect(() => regions('eu-west-1,us-east-1')).toThrow(
      /e\.g\. -c baselineRegions='\["eu-west-1","us-east-1"\]'.*got 'eu-west-1,us-east-1' \(a comma-separated value is not read as a list: write it as a JSON list\)/,
    );
    // A single bare value is not a list either.
    expect(() => regions('eu-west-1')).toThrow(/got 'eu-west-1' \(not valid JSON\)/);
  });
});

describe('a string', () => {
  test('is checked against its form', () => {
    expect(parseContextString('account', '111122223333', CONTEXT_FORMS.account)).toBe('111122223333');
    expect(() => parseContextString('account', '1234', CONTEXT_FORMS.account)).toThrow(
      'context value \'account\' must be a 12-digit AWS account ID, e.g. -c account=111122223333 or "account": "111122223333" in cdk.json; got \'1234\'',
    );
  });

  test('a number (as cdk.json may hold an account) or an empty value is refused', () => {
    expect(() => parseContextString('account', 111122223333, CONTEXT_FORMS.account)).toThrow(/got 111122223333$/);
    expect(() => parseContextString('branch', '')).toThrow(/'branch' must be a string, e\.g\. -c branch=value/);
  });
});

describe('a JSON list of objects (the multi-account fleets)', () => {
  const fields = { account: CONTEXT_FORMS.account, region: CONTEXT_FORMS.region, signingCertificateArn: CONTEXT_FORMS.certificateArn };
  const fleet = { account: '333333333333', region: 'eu-west-1', signingCertificateArn: CONTEXT_FORMS.certificateArn.example };
  const fleets = (value: unknown) => parseContextObjectList('fleets', value, fields, [fleet]);

  test('is read from JSON text and from a real array', () => {
    expect(fleets(JSON.stringify([fleet]))).toEqual([fleet]);
    expect(fleets([fleet, { ...fleet, region: 'us-east-1' }])).toHaveLength(2);
  });

  test.each(['account', 'region', 'signingCertificateArn'])('an item without its %s is refused, naming the key and the item', (missing) => {
    const { [missing as keyof typeof fleet]: _, ...rest } = fleet;
    expect(() => fleets(JSON.stringify([rest]))).toThrow(new RegExp(`^context value 'fleets' must be a JSON list of objects with account, region, signingCertificateArn, at least one, e\\.g\\. -c fleets='\\[\\{"account":"333333333333".*\\(item 0 has no ${missing}\\)$`));
  });

  test('an item of the wrong form, an unknown field or a non-object is refused', () => {
    expect(() => fleets([{ ...fleet, account: 333333333333 }])).toThrow(/\(item 0: account 333333333333 is not a 12-digit AWS account ID\)$/);
    expect(() => fleets([fleet, { ...fleet, regoin: 'eu-west-1' }])).toThrow(/\(item 1: unknown regoin\)$/);
    expect(() => fleets('["333333333333"]')).toThrow(/\(item 0 is not an object\)$/);
  });

  test('two items alike in the fields that must be unique are refused (two fleets in one account and region would be one stage twice)', () => {
    const unique = (value: unknown) => parseContextObjectList('fleets', value, fields, [fleet], ['account', 'region']);
    const otherCertificate = { ...fleet, signingCertificateArn: fleet.signingCertificateArn.replace(/1111$/, '2222') };
    expect(() => unique([fleet, { ...fleet, region: 'us-east-1' }, otherCertificate]))
      .toThrow(/no two with the same account and region, .*\(items 0 and 2 have the same account and region\)$/);
    expect(unique([fleet, { ...fleet, account: '444444444444' }])).toHaveLength(2);
    // Without uniqueBy, alike items are read as given.
    expect(fleets([fleet, fleet])).toHaveLength(2);
  });
});

test('a bucket name may hold ${AWS::Region} and ${AWS::AccountId}, and nothing S3 refuses', () => {
  const bucket = (v: string) => parseContextString('baselineAssetsBucket', v, CONTEXT_FORMS.bucketName);
  expect(bucket('iot-baseline-assets-111111111111-${AWS::Region}')).toBe('iot-baseline-assets-111111111111-${AWS::Region}');
  expect(bucket('assets-${AWS::AccountId}-${AWS::Region}')).toBe('assets-${AWS::AccountId}-${AWS::Region}');
  for (const bad of ['Bad Bucket!', 'UPPER', 'a', '${AWS::StackName}-x', '-lead', 'x'.repeat(81)]) {
    expect(() => bucket(bad)).toThrow(/^context value 'baselineAssetsBucket' must be an S3 bucket name/);
  }
});

test('a string list that names an item twice is refused', () => {
  expect(() => regions('["eu-west-1","eu-west-1"]')).toThrow(/, each once, .*\('eu-west-1' is given twice\)$/);
});

describe('AppContext', () => {
  const app = (context: { [key: string]: unknown }) => new App({ context });

  test('takes the fallback when a key is absent, and reads -c strings', () => {
    const c = new AppContext(app({ baselineRegions: '["eu-west-1"]' }).node);
    expect(c.stringList('baselineRegions', REGIONS, CONTEXT_FORMS.region)).toEqual(['eu-west-1']);
    expect(c.stringList('organizationalUnitIds', ['ou-abcd-11111111'], CONTEXT_FORMS.organizationalUnitId)).toEqual(['ou-abcd-11111111']);
    expect(c.string('account', undefined, CONTEXT_FORMS.account)).toBeUndefined();
    expect(parseContextStringList('organizationalUnitIds', '["ou-abcd-11111111","r-ab12"]', [], CONTEXT_FORMS.organizationalUnitId)).toEqual(['ou-abcd-11111111', 'r-ab12']);
    expect(() => c.check()).not.toThrow();
  });

  test('collects every wrong value and throws once, naming each key', () => {
    const c = new AppContext(app({ account: '12', baselineRegions: 'eu-west-1,us-east-1' }).node);
    c.string('account', undefined, CONTEXT_FORMS.account);
    c.stringList('baselineRegions', REGIONS, CONTEXT_FORMS.region);
    expect(() => c.check()).toThrow(/^context value 'account' must be .*\ncontext value 'baselineRegions' must be .*comma-separated/);
  });
});

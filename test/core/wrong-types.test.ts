/*
 * A value of the wrong type for a construct's prop is an Error naming the construct path, the prop
 * and what was given: never a TypeError (a construct is circular, and JSON.stringify of it threw).
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as lib from '../../lib';

const CONSUMERS: [string, new (scope: Construct, id: string, props: never) => Construct][] = [
  ['AccountBaseline', lib.AccountBaseline],
  ['BackupAndRecovery', lib.BackupAndRecovery],
  ['DataProtection', lib.DataProtection],
  ['DeviceCertificateAuthority', lib.DeviceCertificateAuthority],
  ['DeviceInventory', lib.DeviceInventory],
  ['DevicePolicy', lib.DevicePolicy],
  ['FleetAuditing', lib.FleetAuditing],
  ['FleetMonitoring', lib.FleetMonitoring],
  ['FleetProvisioning', lib.FleetProvisioning],
  ['GatewayCredentials', lib.GatewayCredentials],
  ['GreengrassCoreCredentials', lib.GreengrassCoreCredentials],
  ['IncidentResponse', lib.IncidentResponse],
  ['SecureIotDeployment', lib.SecureIotDeployment],
  ['SecureIotEndpoint', lib.SecureIotEndpoint],
  ['SegmentedNetwork', lib.SegmentedNetwork],
  ['SignedFirmwarePipeline', lib.SignedFirmwarePipeline],
  ['TelemetryPipeline', lib.TelemetryPipeline],
];

const VALUES: [string, (s: Stack) => unknown, RegExp][] = [
  ['a construct', (s: Stack) => new sns.Topic(s, 'NotAProfile'), /got a Topic at 'S\/NotAProfile'/],
  ['a preset\'s name', () => 'CRITICAL_INFRASTRUCTURE', /got "CRITICAL_INFRASTRUCTURE"/],
];

describe.each(CONSUMERS)('%s', (_name, Ctor) => {
  for (const [what, value, shown] of VALUES) {
    test(`riskProfile given ${what} is an Error naming the construct path, the prop and the value`, () => {
      const stack = new Stack(new App(), 'S');
      let error: unknown;
      try {
        new Ctor(stack, 'C', { riskProfile: value(stack) } as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/^S\/C\b.*riskProfile must be a RiskProfile/);
      expect((error as Error).message).toMatch(shown);
    });
  }
});

describe('a construct given where a value is expected is named, never a TypeError', () => {
  const shows = (make: (s: Stack) => unknown, words: RegExp) => {
    const stack = new Stack(new App(), 'S');
    let error: unknown;
    try {
      make(stack);
    } catch (e) {
      error = e;
    }
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(words);
  };

  test.each(['signatureValidity', 'releaseTimeout'])('SignedFirmwarePipeline %s', (prop) => {
    shows((s) => new lib.SignedFirmwarePipeline(s, 'C', {
      signingCertificate: { certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/x' } as never,
      deviceTypes: [{ thingTypeName: 'pump', targetThingGroupNames: ['pumps'] }],
      [prop]: new sns.Topic(s, 'NotADuration'),
    }), new RegExp(`${prop} must be .*got a Topic at 'S/NotADuration'`));
  });

  test('SegmentedNetwork.addPrivateDnsName endpoint', () => {
    shows((s) => new lib.SegmentedNetwork(s, 'C').addPrivateDnsName('abc-ats.iot.eu-west-1.amazonaws.com', new sns.Topic(s, 'NotAnEndpoint') as never),
      /endpoint must be one of this network's endpoints .*got a Topic at 'S\/NotAnEndpoint'/);
  });

  test('SecurityPostureReport scope', () => {
    const loop: { self?: unknown } = {};
    loop.self = loop;
    shows(() => new lib.SecurityPostureReport(loop as never), /scope must be a CDK App or Stage.*got \{"self":/);
  });
});

import * as http from 'http';
import { AddressInfo } from 'net';
import {
  CancelSigningProfileCommand, GetSigningProfileCommand, PutSigningProfileCommand, ResourceNotFoundException, SignerClient,
} from '@aws-sdk/client-signer';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, onEvent, profileNameFor, SigningProfileEvent } from '../../../lib/updates/handlers/firmware-signing-profile';

const signer = mockClient(SignerClient);
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/abc';
const PROPS = { ServiceToken: 'arn:fn', ProfileNamePrefix: 'SFw1234', PlatformId: 'AWSIoTDeviceManagement-SHA256-ECDSA', CertificateArn: CERT, SignatureValidityDays: '365' };

function event(type: 'Create' | 'Update' | 'Delete', extra: Partial<SigningProfileEvent> = {}): SigningProfileEvent {
  return {
    RequestType: type, ResponseURL: 'https://example.invalid/r', StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/S/1',
    RequestId: 'req-1', LogicalResourceId: 'FwSigningProfile', ResourceProperties: PROPS, ...extra,
  };
}
const notFound = () => new ResourceNotFoundException({ message: 'no', $metadata: {} });
const made = { arn: 'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/p', profileVersion: 'v1', profileVersionArn: 'arn:aws:signer:eu-west-1:111122223333:/signing-profiles/p/v1' };

beforeEach(() => {
  signer.reset();
  signer.on(GetSigningProfileCommand).rejects(notFound());
  signer.on(PutSigningProfileCommand).resolves(made);
  signer.on(CancelSigningProfileCommand).resolves({});
});

test('Create: a profile named prefix_digest, with the certificate as signing material and the validity in days', async () => {
  const r = await onEvent(event('Create'));
  const name = profileNameFor(event('Create'));
  expect(name).toMatch(/^SFw1234_[0-9a-f]{12}$/);
  expect(signer.commandCalls(PutSigningProfileCommand)[0].args[0].input).toEqual({
    profileName: name, platformId: 'AWSIoTDeviceManagement-SHA256-ECDSA', signingMaterial: { certificateArn: CERT }, signatureValidityPeriod: { type: 'DAYS', value: 365 },
  });
  expect(r).toEqual({ PhysicalResourceId: name, Data: { ProfileName: name, ProfileArn: made.arn, ProfileVersion: 'v1', ProfileVersionArn: made.profileVersionArn } });
});

test('a retried Create finds its own active profile and does not make another', async () => {
  signer.on(GetSigningProfileCommand).resolves({ ...made, status: 'Active', platformId: PROPS.PlatformId, signingMaterial: { certificateArn: CERT } });
  const r = await onEvent(event('Create'));
  expect(signer.commandCalls(PutSigningProfileCommand)).toHaveLength(0);
  expect(r.Data!.ProfileArn).toBe(made.arn);
});

test('a profile of that name with another certificate is an error, never adopted', async () => {
  signer.on(GetSigningProfileCommand).resolves({ ...made, status: 'Active', platformId: PROPS.PlatformId, signingMaterial: { certificateArn: 'other' } });
  await expect(onEvent(event('Create'))).rejects.toThrow(/exists with another platform or certificate/);
});

test('Update with a changed setting makes a new profile (CloudFormation then deletes the old one)', async () => {
  const r = await onEvent(event('Update', {
    RequestId: 'req-2', PhysicalResourceId: 'SFw1234_old', OldResourceProperties: { ...PROPS, CertificateArn: 'arn:old' },
  }));
  expect(r.PhysicalResourceId).not.toBe('SFw1234_old');
  expect(signer.commandCalls(PutSigningProfileCommand)).toHaveLength(1);
});

test('Update that changes nothing the profile holds keeps it', async () => {
  signer.on(GetSigningProfileCommand).resolves({ ...made, status: 'Active', platformId: PROPS.PlatformId, signingMaterial: { certificateArn: CERT } });
  const r = await onEvent(event('Update', { PhysicalResourceId: 'SFw1234_old', OldResourceProperties: { ...PROPS } }));
  expect(r.PhysicalResourceId).toBe('SFw1234_old');
  expect(signer.commandCalls(PutSigningProfileCommand)).toHaveLength(0);
});

test('Delete cancels an active profile; a missing or cancelled one is left alone', async () => {
  signer.on(GetSigningProfileCommand).resolves({ status: 'Active' });
  await onEvent(event('Delete', { PhysicalResourceId: 'SFw1234_x' }));
  expect(signer.commandCalls(CancelSigningProfileCommand)[0].args[0].input).toEqual({ profileName: 'SFw1234_x' });
  signer.reset();
  signer.on(GetSigningProfileCommand).resolves({ status: 'Canceled' });
  await onEvent(event('Delete', { PhysicalResourceId: 'SFw1234_x' }));
  signer.on(GetSigningProfileCommand).rejects(notFound());
  await onEvent(event('Delete', { PhysicalResourceId: 'SFw1234_x' }));
  expect(signer.commandCalls(CancelSigningProfileCommand)).toHaveLength(0);
});

test('a bad validity is refused; other Signer errors are not swallowed', async () => {
  await expect(onEvent(event('Create', { ResourceProperties: { ...PROPS, SignatureValidityDays: '0' } }))).rejects.toThrow(/SignatureValidityDays must be a positive integer, got 0/);
  signer.on(GetSigningProfileCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  await expect(onEvent(event('Create'))).rejects.toThrow(/denied/);
});

test('handler answers CloudFormation on success and on failure', async () => {
  const bodies: { Status: string; PhysicalResourceId: string; Reason: string }[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => { bodies.push(JSON.parse(data)); res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
  try {
    await handler(event('Create', { ResponseURL: url }));
    signer.on(PutSigningProfileCommand).rejects(Object.assign(new Error('bad cert'), { name: 'ValidationException' }));
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await handler(event('Create', { ResponseURL: url }));
    quiet.mockRestore();
  } finally {
    server.close();
  }
  expect(bodies.map((b) => b.Status)).toEqual(['SUCCESS', 'FAILED']);
  expect(bodies[1].Reason).toMatch(/ValidationException: bad cert/);
  expect(bodies[1].PhysicalResourceId).toBe(profileNameFor(event('Create')));
});

export * from './device-policy';
export * from './fleet-provisioning';

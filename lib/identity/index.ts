export * from './device-policy';
export * from './fleet-provisioning';
export * from './device-certificate-authority';

export * from './device-policy';

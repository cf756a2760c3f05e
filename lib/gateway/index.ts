export * from './gateway-credentials';
export * from './greengrass-core-credentials';

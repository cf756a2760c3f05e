export * from './account-baseline';
export * from './secure-iot-deployment';

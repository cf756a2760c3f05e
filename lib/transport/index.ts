export * from './secure-iot-endpoint';

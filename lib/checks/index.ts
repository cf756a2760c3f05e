export * from './iot-security-checks';
export * from './rule-definition';
export * from './rules';

export * from './iot-security-checks';
export * from './policy-analysis';
export * from './rule-definition';
export * from './rules';

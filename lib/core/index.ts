export * from './asset-tags';
export * from './practice';
export * from './risk-profile';
export * from './rollout-rate';
export * from './tls-security-policy';
export * from './iot-settings';
export * from './finding-class';
export * from './finding-event';

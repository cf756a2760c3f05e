export * from './fleet-auditing';
export * from './fleet-monitoring';
export * from './iot-event-configurations';

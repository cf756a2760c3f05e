export * from './fleet-auditing';
export * from './fleet-monitoring';

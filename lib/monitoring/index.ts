export * from './fleet-auditing';

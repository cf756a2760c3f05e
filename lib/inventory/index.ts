export * from './fleet-indexing';
export * from './device-inventory';

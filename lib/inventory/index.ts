export * from './fleet-indexing';

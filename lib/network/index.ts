export * from './private-endpoint';
export * from './segmented-network';

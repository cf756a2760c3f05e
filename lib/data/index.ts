export * from './data-protection';
export * from './telemetry-pipeline';

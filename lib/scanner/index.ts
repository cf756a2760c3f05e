export * from './scan-error';
export * from './scan-limits';
export * from './scan-result';
export * from './scan-report-schema';
export * from './report-formats';
export * from './scanner-info';
export * from './template-scanner';

export * from './backup-and-recovery';
export * from './device-failure-modes';

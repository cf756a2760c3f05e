export * from './security-posture-report';
export * from './threat-model';

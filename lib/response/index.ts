export * from './incident-response';
export * from './playbook';

export * from './core';
export * from './checks';

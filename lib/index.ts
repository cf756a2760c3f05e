export * from './core';
export * from './inventory';
export * from './identity';
export * from './checks';

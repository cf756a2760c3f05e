export * from './core';
export * from './inventory';
export * from './checks';
export * from './continuity';
export * from './response';

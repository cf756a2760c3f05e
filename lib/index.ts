export * from './core';
export * from './inventory';
export * from './transport';
export * from './gateway';
export * from './checks';

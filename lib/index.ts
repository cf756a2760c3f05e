export * from './core';
export * from './inventory';
export * from './network';
export * from './transport';
export * from './gateway';
export * from './checks';
export * from './report';
export * from './updates';

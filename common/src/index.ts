export * from './errors';
export * from './middlewares';
export * from './validation';
export * from './kit';
export * from './events';

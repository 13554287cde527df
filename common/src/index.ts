export * from './errors';
export * from './middlewares';
export * from './kit';
export * from './events';

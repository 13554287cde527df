export * from './subjects';
export * from './schemas';
export * from './errors';
export * from './bus';
export * from './publisher';
export * from './listener';
export * from './outbox';
export * from './replica';

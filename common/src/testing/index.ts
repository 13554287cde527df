export * from './mongo';
export * from './signin';
export * from './nats-server';
export * from './redis-server';
export * from './wait';
export * from './memory-logger';
export * from './routes';
export * from './service-environment';
export { findFreePort } from './server-process';

export { startStack } from './stack';
export type { ServiceInstance, Stack, StackOptions } from './stack';
export { startInfrastructure } from './infrastructure';
export type {
  Infrastructure,
  InfrastructureName,
  InfrastructureOptions,
  InfrastructureUrls,
  ServerChoice,
  ServerProcessName,
} from './infrastructure';
export { SERVICE_NAMES } from './services';
export type { RunMode, ServiceName } from './services';
export { StackStartError } from './errors';
export { stackJwtKeys } from './jwt-keys';
export type { StackJwtKeys } from './jwt-keys';

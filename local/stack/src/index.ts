export { startStack } from './stack';
export type { InfrastructureName, InfrastructureUrls, ServerChoice, Stack, StackOptions } from './stack';
export { StackStartError } from './errors';

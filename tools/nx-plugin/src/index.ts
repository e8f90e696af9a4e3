export type { ServiceGeneratorSchema } from './generators/service/schema.js';
export type { ContractGeneratorSchema } from './generators/contract/schema.js';
export type { HandlerGeneratorSchema } from './generators/handler/schema.js';
export type { NormalizedServiceOptions } from './generators/service/generator.js';

export { serviceGenerator } from './generators/service/generator.js';
export { contractGenerator } from './generators/contract/generator.js';
export { handlerGenerator } from './generators/handler/generator.js';

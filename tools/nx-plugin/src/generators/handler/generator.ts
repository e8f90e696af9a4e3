import { formatFiles, logger, type Tree } from '@nx/devkit';
import { findContract } from '../../utils/contracts.js';
import { addHandler } from '../../utils/handlers.js';
import { findService } from '../../utils/services.js';
import type { HandlerGeneratorSchema } from './schema.js';

/** `nx g @wharf/nx-plugin:handler`: adds a handler of a contract to a service, with its spec and registration. */
export async function handlerGenerator(tree: Tree, schema: HandlerGeneratorSchema): Promise<void> {
  const reference = schema.contract.trim();
  const project = schema.service.trim();
  if (schema.major !== undefined && (!Number.isInteger(schema.major) || schema.major < 1)) {
    throw new Error(`--major must be a whole number of 1 or more, got ${schema.major}`);
  }
  const contract = findContract(tree, reference, schema.major);
  const service = findService(tree, project);
  const handler = addHandler(tree, { service, contract, name: schema.name?.trim() || undefined });
  await formatFiles(tree);
  logger.info(`${service.name} now handles ${contract.type} with ${handler.className} (${handler.file}).`);
}

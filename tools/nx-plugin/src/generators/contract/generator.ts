import { formatFiles, logger, type Tree } from '@nx/devkit';
import { addContract, type NewContract } from '../../utils/contracts.js';
import { assertKebab } from '../../utils/names.js';
import type { ContractGeneratorSchema } from './schema.js';

const kinds = ['event', 'command', 'query'] as const;

/** Splits `orders.order-placed` or `order-placed` + `--service orders` into owner and name, and checks the rest. */
export function normalizeContractOptions(schema: ContractGeneratorSchema): NewContract {
  const raw = schema.name.trim();
  const dot = raw.indexOf('.');
  const owner = dot >= 0 ? raw.slice(0, dot) : schema.service?.trim();
  const local = dot >= 0 ? raw.slice(dot + 1) : raw;
  if (!owner) {
    throw new Error(
      `Name the service that owns "${raw}": --service <service>, or the full name <service>.${raw}`,
    );
  }
  if (dot >= 0 && schema.service !== undefined && schema.service !== owner) {
    throw new Error(
      `"${raw}" is owned by "${owner}", not by --service ${schema.service}: the owner is the prefix of the name`,
    );
  }
  assertKebab(owner, 'The owning service', 'orders');
  assertKebab(local, 'The contract name', 'order-placed');
  const kind = schema.kind ?? 'event';
  if (!kinds.includes(kind))
    throw new Error(`--kind must be one of ${kinds.join(', ')}, got "${String(kind)}"`);
  const version = schema.major ?? 1;
  if (!Number.isInteger(version) || version < 1)
    throw new Error(`--major must be a whole number of 1 or more, got ${version}`);
  return { owner, local, kind, version, description: schema.description?.trim() || undefined };
}

/** `nx g @wharf/nx-plugin:contract`: adds a versioned contract to `@wharf/contracts`, with a spec and an export. */
export async function contractGenerator(tree: Tree, schema: ContractGeneratorSchema): Promise<void> {
  const options = normalizeContractOptions(schema);
  const contract = addContract(tree, options);
  await formatFiles(tree);
  logger.info(
    `${contract.type} is ${contract.symbol} in ${contract.file}: import { ${contract.symbol} } from '@wharf/contracts'.`,
  );
}

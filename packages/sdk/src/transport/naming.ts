import type { Contract } from '../contracts/contract.js';

/** The topic exchange every event is published to, with the event's type as routing key. */
export const EVENTS_EXCHANGE = 'wharf.events';
/** The direct exchange commands and queries are sent to, routed by type to the owning service. */
export const COMMANDS_EXCHANGE = 'wharf.commands';
/** Header carrying the delivery attempt (1 for the first delivery). */
export const ATTEMPT_HEADER = 'x-wharf-attempt';
/** Prefix of every header Wharf adds to a dead-lettered message. */
export const DEAD_LETTER_HEADER_PREFIX = 'x-wharf-';

/** The durable queue a service consumes from. */
export function serviceQueue(service: string): string {
  return service;
}

/** The queue that keeps a service's dead-lettered messages. */
export function deadLetterQueue(service: string): string {
  return `${service}.dlq`;
}

/** The queue that holds a service's messages waiting for a retry of about `delayMs`. */
export function retryQueue(service: string, tierMs: number): string {
  return `${service}.retry.${tierMs}ms`;
}

/** The wire type of a contract: `<name>.v<version>`. */
export function typeOf(contract: Pick<Contract, 'name' | 'version'>): string {
  return `${contract.name}.v${contract.version}`;
}

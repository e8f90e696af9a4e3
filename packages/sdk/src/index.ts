export type { ErrorCode, ValidationIssue, WireError, WharfErrorOptions } from './errors/wharf-error.js';
export type {
  Contract,
  ContractKind,
  EventContract,
  CommandContract,
  QueryContract,
  Payload,
  PayloadInput,
  Response,
  ContractDefinition,
  QueryDefinition,
} from './contracts/contract.js';
export type { StandardSchemaV1 } from './contracts/standard-schema.js';
export type {
  MessageKind,
  TransportMessage,
  QueueTopology,
  Delivery,
  Consumer,
  TransportStatus,
  SendOptions,
  ConsumeOptions,
  Transport,
  TransportFactory,
} from './transport/transport.js';
export { SETTLED } from './transport/transport.js';
export type { MemoryConsumer, PublishListener } from './transport/in-memory-broker.js';
export type { PublishOptions, RequestOptions } from './bus/bus.js';
export type { ReplyBody } from './bus/message-bus.js';
export type {
  MessageHandler,
  EventHandler,
  CommandHandler,
  QueryHandler,
  HandlerClass,
  HandlerOptions,
  HandlerRegistration,
} from './handlers/handler.js';
export type { MessageContext } from './handlers/message-context.js';
export type { RetryPolicy } from './handlers/retry-policy.js';
export type { DispatchEvent } from './handlers/dispatcher.js';
export type { LoggerOptions } from './logging/logger.js';
export type { Environment, ServiceSettings } from './config/settings.js';
export type { ConsumerParent } from './tracing/messaging-telemetry.js';
export type { TracedHttpRequest } from './tracing/trace-http-request.js';
export type { ServiceDefinition } from './service/define-service.js';
export type { LifecycleHooks } from './service/lifecycle-hooks.js';
export type { HealthReport } from './service/health-server.js';
export type { ServiceState, CreateServiceOptions } from './service/service.js';
export type { RunServiceOptions } from './service/run-service.js';

export { WharfError } from './errors/wharf-error.js';
export { messageId, timeOfMessageId } from './ids/message-id.js';
export { defineEvent, defineCommand, defineQuery } from './contracts/contract.js';
export { validate, toValidationIssues } from './contracts/validate.js';
export {
  EVENTS_EXCHANGE,
  COMMANDS_EXCHANGE,
  ATTEMPT_HEADER,
  DEAD_LETTER_HEADER_PREFIX,
  serviceQueue,
  deadLetterQueue,
  retryQueue,
  typeOf,
} from './transport/naming.js';
export { InMemoryBroker } from './transport/in-memory-broker.js';
export { InMemoryTransport, inMemoryTransport } from './transport/in-memory-transport.js';
export { Bus } from './bus/bus.js';
export { MessageBus } from './bus/message-bus.js';
export { on, answer } from './handlers/handler.js';
export { DEFAULT_RETRY_POLICY, retryPolicy, retryDelay } from './handlers/retry-policy.js';
export { Inbox, InMemoryInbox } from './inbox/inbox.js';
export { Logger, createLogger } from './logging/logger.js';
export { Config, loadConfig } from './config/load-config.js';
export { DEFAULT_AMQP_URL, readSettings } from './config/settings.js';
export { MessagingTelemetry } from './tracing/messaging-telemetry.js';
export { traceHttpRequest } from './tracing/trace-http-request.js';
export { ServiceInfo } from './service/service-info.js';
export { defineService } from './service/define-service.js';
export { Service, createService, topologyOf } from './service/service.js';
export { runService } from './service/run-service.js';
export { HealthServer } from './service/health-server.js';
export type { ServiceIdentifier, Newable } from 'inversify';
export { injectable, inject, ContainerModule, Container } from 'inversify';

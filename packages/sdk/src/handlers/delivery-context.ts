import type { Bus } from '../bus/bus.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { Logger } from '../logging/logger.js';
import type { ServiceInfo } from '../service/service-info.js';
import type { TransportMessage } from '../transport/transport.js';
import type { MessageContext } from './message-context.js';

/** What a {@link DeliveryContext} derives its lazy parts from: the service's logger and bus. */
export interface ContextSource {
  readonly service: ServiceInfo;
  readonly logger: Logger;
  readonly bus: MessageBus;
}

/**
 * The {@link MessageContext} of one delivery. The child logger, the correlated bus and the `sentAt` date are made
 * on first use: most handlers never touch them, and the message path should not pay for them.
 */
export class DeliveryContext implements MessageContext {
  readonly messageId: string;
  readonly correlationId: string;
  readonly type: string;
  readonly attempt: number;
  readonly redelivered: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly producer: string;
  readonly service: ServiceInfo;
  readonly #timestamp: number;
  readonly #handler: string;
  readonly #source: ContextSource;
  #logger: Logger | undefined;
  #bus: Bus | undefined;
  #sentAt: Date | undefined;

  constructor(message: TransportMessage, attempt: number, redelivered: boolean, handler: string, source: ContextSource) {
    this.messageId = message.id;
    this.correlationId = message.correlationId ?? message.id;
    this.type = message.type;
    this.attempt = attempt;
    this.redelivered = redelivered;
    this.headers = message.headers;
    this.producer = message.appId;
    this.service = source.service;
    this.#timestamp = message.timestamp;
    this.#handler = handler;
    this.#source = source;
  }

  get sentAt(): Date {
    return (this.#sentAt ??= new Date(this.#timestamp));
  }

  get logger(): Logger {
    return (this.#logger ??= this.#source.logger.child({
      messageId: this.messageId,
      type: this.type,
      handler: this.#handler,
      attempt: this.attempt,
    }));
  }

  get bus(): Bus {
    return (this.#bus ??= this.#source.bus.withCorrelation(this.correlationId));
  }
}

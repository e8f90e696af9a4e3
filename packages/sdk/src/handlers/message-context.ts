import type { Bus } from '../bus/bus.js';
import type { Logger } from '../logging/logger.js';
import type { ServiceInfo } from '../service/service-info.js';

/** What a handler knows about the message it handles, and the tools to act on it. */
export interface MessageContext {
  readonly messageId: string;
  /** The conversation the message belongs to; messages sent through `ctx.bus` keep it. */
  readonly correlationId: string;
  /** `<contract name>.v<version>`. */
  readonly type: string;
  /** 1 for the first delivery, then counting retries. */
  readonly attempt: number;
  /** True when the broker delivered this message before (after a crash or lost connection). */
  readonly redelivered: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** The service that produced the message. */
  readonly producer: string;
  readonly sentAt: Date;
  /** A child logger whose lines carry the message id and the trace ids. */
  readonly logger: Logger;
  /** The bus, continuing this message's trace and correlation id. */
  readonly bus: Bus;
  readonly service: ServiceInfo;
}

import 'reflect-metadata';
import { Container, type Newable, type ServiceIdentifier } from 'inversify';
import { Bus } from '../bus/bus.js';
import { MessageBus } from '../bus/message-bus.js';
import { Config, loadConfig } from '../config/load-config.js';
import { readSettings, type Environment, type ServiceSettings } from '../config/settings.js';
import { WharfError } from '../errors/wharf-error.js';
import { Dispatcher, type DispatchEvent, type Route } from '../handlers/dispatcher.js';
import { retryPolicy } from '../handlers/retry-policy.js';
import { InMemoryInbox, Inbox } from '../inbox/inbox.js';
import { messageId } from '../ids/message-id.js';
import { createLogger, Logger } from '../logging/logger.js';
import { MessagingTelemetry } from '../tracing/messaging-telemetry.js';
import { deadLetterQueue, serviceQueue } from '../transport/naming.js';
import type { Consumer, QueueTopology, Transport, TransportFactory } from '../transport/transport.js';
import { selectTransport } from './select-transport.js';
import type { ServiceDefinition } from './define-service.js';
import { HealthServer, type HealthReport } from './health-server.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { ServiceInfo } from './service-info.js';

/** Where a service is in its life: created → starting → ready → draining → stopped, or failed. */
export type ServiceState = 'created' | 'starting' | 'ready' | 'draining' | 'stopped' | 'failed';

/** How `createService` runs a definition; everything is optional. */
export interface CreateServiceOptions {
  /** The transport to use; otherwise one is made from `AMQP_URL` by a matching factory. */
  transport?: Transport;
  /** Factories that can serve `AMQP_URL` (e.g. `amqpTransport` of `@wharf/amqp`); `memory://` is built in. */
  transports?: readonly TransportFactory[];
  /** The environment to read settings and config from; `process.env` by default. */
  env?: Environment;
  /** Settings that win over the environment. */
  settings?: Partial<ServiceSettings>;
  /** Runs after the app's modules are loaded: rebind anything (tests replace a store this way). */
  configure?: (container: Container) => void | Promise<void>;
  logger?: Logger;
}

/** The queue and routes a service needs, from its handlers. */
export function topologyOf(definition: ServiceDefinition, queueType: QueueTopology['queueType'] = 'quorum'): QueueTopology {
  const handlers = definition.handlers ?? [];
  const types = (kinds: string[]) => [
    ...new Set(handlers.filter((h) => kinds.includes(h.contract.kind)).map((h) => h.contract.type)),
  ];
  return {
    service: definition.name,
    queue: serviceQueue(definition.name),
    deadLetterQueue: deadLetterQueue(definition.name),
    queueType,
    events: types(['event']),
    commands: types(['command', 'query']),
  };
}

/** A running instance of a service definition: its container, bus, lifecycle and health. */
export class Service {
  readonly definition: ServiceDefinition;
  readonly info: ServiceInfo;
  readonly settings: ServiceSettings;
  /** The queue and routes this service declares. */
  readonly topology: QueueTopology;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly container: Container;
  readonly bus: MessageBus;
  readonly #options: CreateServiceOptions;
  readonly #telemetry: MessagingTelemetry;
  readonly #stateListeners = new Set<(state: ServiceState) => void>();
  readonly #dispatchListeners = new Set<(event: DispatchEvent) => void>();
  readonly #hooks: LifecycleHooks[] = [];
  #state: ServiceState = 'created';
  #dispatcher: Dispatcher | undefined;
  #consumer: Consumer | undefined;
  #health: HealthServer | undefined;
  #healthPort: number | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(definition: ServiceDefinition, options: CreateServiceOptions = {}) {
    const env = options.env ?? process.env;
    this.definition = definition;
    this.#options = options;
    this.settings = { ...readSettings(env), ...options.settings };
    this.info = Object.freeze({ name: definition.name, instanceId: messageId() });
    this.logger =
      options.logger ??
      createLogger({ service: definition.name, level: this.settings.logLevel });
    this.topology = topologyOf(definition, this.settings.queueType);
    this.transport = options.transport ?? selectTransport(this.settings.transportUrls, definition.name, options.transports ?? []);
    const system = this.transport.system ?? 'rabbitmq';
    this.#telemetry = new MessagingTelemetry(definition.name, system, definition.consumerParent ?? 'child');
    this.bus = new MessageBus({
      service: definition.name,
      transport: this.transport,
      telemetry: this.#telemetry,
      publishTimeoutMs: this.settings.publishTimeoutMs,
      requestTimeoutMs: this.settings.requestTimeoutMs,
    });
    this.container = new Container({ defaultScope: 'Singleton' });
    this.transport.onStatus((status, cause) => {
      if (status === 'reconnecting') this.logger.warn({ err: cause }, 'broker connection lost; reconnecting');
      else if (status === 'connected' && this.#state === 'ready') this.logger.info('broker connection restored');
    });
  }

  /** The current lifecycle state. */
  get state(): ServiceState {
    return this.#state;
  }

  /** The port `/healthz` and `/readyz` listen on, once started with a health port. */
  get healthPort(): number | undefined {
    return this.#healthPort;
  }

  /** Calls `listener` on every state change; returns a function that removes it. */
  onState(listener: (state: ServiceState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Calls `listener` after each delivery is settled (handled, retrying, dead-lettered, released). */
  onDispatch(listener: (event: DispatchEvent) => void): () => void {
    this.#dispatchListeners.add(listener);
    return () => this.#dispatchListeners.delete(listener);
  }

  /** Liveness and readiness, as `/healthz` and `/readyz` answer them. */
  health(): HealthReport {
    const connected = this.transport.status === 'connected';
    const consuming = this.#consumer !== undefined || !this.#consumes();
    const live = this.#state !== 'failed' && this.#state !== 'stopped';
    const ready = this.#state === 'ready' && connected && consuming;
    return { live, ready, state: this.#state, checks: { transport: connected, consumers: consuming } };
  }

  /** Resolves a binding of the service's container. */
  get<T>(token: ServiceIdentifier<T>): T {
    return this.container.get<T>(token);
  }

  /**
   * Opens the health port, builds the container, runs `onStart` hooks, connects, declares, consumes, runs
   * `onReady` hooks: ready.
   */
  start(): Promise<void> {
    if (this.#state !== 'created') {
      return Promise.reject(new WharfError('INVALID_STATE', `${this.info.name} cannot start: it is ${this.#state}`));
    }
    this.#starting = this.#start();
    return this.#starting;
  }

  /** Stops taking work, lets in-flight handlers finish within the drain timeout, runs stop hooks, disconnects. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #start(): Promise<void> {
    this.#setState('starting');
    let listening: Promise<number> | undefined;
    try {
      if (this.settings.healthPort !== undefined) {
        // Probes get answers while the service starts: `/healthz` 200, `/readyz` 503 until it is ready.
        this.#health = new HealthServer(() => this.health());
        listening = this.#health.listen(this.settings.healthPort);
        listening.catch(() => undefined);
      }
      await this.#build();
      // Bound by now (it listened while the container was built); a port in use fails the start before connecting.
      if (listening) this.#healthPort = await listening;
      for (const hooks of this.#hooks) await hooks.onStart?.();
      await this.transport.connect();
      const topology = this.topology;
      if (this.#consumes()) {
        // The consumer gets ready while the queues are declared; it consumes once they exist.
        const declaring = this.transport.declare(topology);
        const consuming = this.transport.consume(topology, (this.#dispatcher as Dispatcher).onDelivery, {
          prefetch: this.settings.prefetch,
        });
        const [declared, consumer] = await Promise.allSettled([declaring, consuming]);
        if (consumer.status === 'fulfilled') this.#consumer = consumer.value;
        if (declared.status === 'rejected') throw declared.reason;
        if (consumer.status === 'rejected') throw consumer.reason;
      }
      for (const hooks of this.#hooks) await hooks.onReady?.();
      this.#setState('ready');
      this.logger.info(
        { queue: topology.queue, events: topology.events, commands: topology.commands, healthPort: this.#healthPort },
        'service ready',
      );
    } catch (error) {
      await listening?.catch(() => undefined);
      this.#setState('failed');
      await this.#teardown().catch(() => undefined);
      throw error;
    }
  }

  async #build(): Promise<void> {
    const env = this.#options.env ?? process.env;
    const c = this.container;
    c.bind(ServiceInfo).toConstantValue(this.info);
    c.bind(Logger).toConstantValue(this.logger);
    c.bind(Bus).toConstantValue(this.bus);
    c.bind(Inbox).toConstantValue(new InMemoryInbox());
    c.bind(Config).toConstantValue(this.definition.config ? await loadConfig(this.definition.config, env) : {});
    await c.loadAsync(...(this.definition.modules ?? []));
    await this.#options.configure?.(c);
    const routes = new Map<string, Route[]>();
    for (const registration of this.definition.handlers ?? []) {
      const token = registration.handler as unknown as Newable<{ handle: (payload: unknown, ctx: unknown) => unknown }>;
      if (!c.isBound(token)) c.bind(token).toSelf();
      const instance = await c.getAsync(token);
      const handle = instance.handle.bind(instance);
      const list = routes.get(registration.contract.type) ?? [];
      list.push({
        contract: registration.contract,
        name: registration.name,
        policy: retryPolicy(this.definition.retry, registration.options.retry),
        handle,
      });
      routes.set(registration.contract.type, list);
    }
    for (const token of this.definition.hooks ?? []) this.#hooks.push(await c.getAsync(token));
    this.#dispatcher = new Dispatcher(
      {
        service: this.info,
        queue: this.topology.queue,
        transport: this.transport,
        bus: this.bus,
        inbox: await c.getAsync<Inbox>(Inbox),
        logger: this.logger,
        telemetry: this.#telemetry,
        maxMessageBytes: this.settings.maxMessageBytes,
        publishTimeoutMs: this.settings.publishTimeoutMs,
        observe: (event) => {
          for (const listener of this.#dispatchListeners) {
            try {
              listener(event);
            } catch (error) {
              // An observer's bug must not take the message path down with it.
              this.logger.error({ err: error, outcome: event.outcome }, 'an onDispatch listener threw');
            }
          }
        },
      },
      routes,
    );
  }

  async #stop(): Promise<void> {
    if (this.#state === 'starting') await this.#starting?.catch(() => undefined);
    if (this.#state === 'created' || this.#state === 'stopped') {
      this.#setState('stopped');
      return;
    }
    const failed = this.#state === 'failed';
    if (!failed) this.#setState('draining');
    let problem: unknown;
    try {
      for (const hooks of [...this.#hooks].reverse()) await hooks.onDrain?.();
      await this.#consumer?.cancel();
      const drained = (await this.#dispatcher?.drain(this.settings.drainTimeoutMs)) ?? true;
      if (!drained) {
        this.logger.warn(
          { inFlight: this.#dispatcher?.inFlight, drainTimeoutMs: this.settings.drainTimeoutMs },
          'drain timeout: unfinished messages go back to the queue',
        );
      }
    } catch (error) {
      problem = error;
    }
    await this.#teardown().catch((error: unknown) => (problem ??= error));
    this.#setState(failed ? 'failed' : 'stopped');
    if (problem !== undefined) throw problem;
  }

  async #teardown(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (step: () => unknown) => {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const hooks of [...this.#hooks].reverse()) await attempt(() => hooks.onStop?.());
    await attempt(() => this.transport.close());
    await attempt(() => this.container.unbindAllAsync());
    await attempt(() => this.#health?.close());
    if (errors.length > 0) throw errors[0];
  }

  #consumes(): boolean {
    return this.topology.events.length + this.topology.commands.length > 0;
  }

  #setState(state: ServiceState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#stateListeners) listener(state);
  }
}

/** Makes a service instance from its definition; `start()` runs it. */
export function createService(definition: ServiceDefinition, options: CreateServiceOptions = {}): Service {
  return new Service(definition, options);
}

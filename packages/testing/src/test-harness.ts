import {
  createService,
  defineService,
  InMemoryBroker,
  InMemoryTransport,
  type Bus,
  type Container,
  type Contract,
  type DispatchEvent,
  type Service,
  type ServiceDefinition,
  type ServiceIdentifier,
  type ServiceSettings,
  type TransportMessage,
} from '@wharf/sdk';

/** Options of {@link createTestHarness}. */
export interface TestHarnessOptions {
  /** Per service name: replace bindings after the app's modules load (`c.rebind(Store).toConstantValue(fake)`). */
  configure?: Readonly<Record<string, (container: Container) => void | Promise<void>>>;
  /** Environment given to every service (app config); logs are silent unless LOG_LEVEL is set. */
  env?: Readonly<Record<string, string>>;
  /** Settings that win over the environment, for every service. */
  settings?: Partial<ServiceSettings>;
  /** Default wait of `waitFor*`, in milliseconds (5,000). */
  timeoutMs?: number;
}

/** What to wait for. */
export interface WaitOptions {
  /** How many matching events (counted from the harness's start); 1 by default. */
  count?: number;
  /** Only events of this service. */
  service?: string;
  timeoutMs?: number;
}

/** A settled delivery as the harness saw it, with the service that settled it. */
export interface SeenDelivery extends DispatchEvent {
  readonly service: string;
}

/** A message in a dead-letter queue, decoded. */
export interface DeadLetter {
  readonly type: string;
  readonly payload: unknown;
  readonly code: string | undefined;
  readonly reason: string | undefined;
  readonly attempts: number;
  readonly headers: Readonly<Record<string, string>>;
}

interface Waiter {
  readonly matches: (event: SeenDelivery) => boolean;
  readonly count: number;
  readonly resolve: (events: SeenDelivery[]) => void;
}

/**
 * Services running together on one in-memory broker, as they would over RabbitMQ, with a bus to drive them and
 * deterministic waits on what they handled: no broker, no sleeps.
 */
export class TestHarness {
  readonly broker: InMemoryBroker;
  /** A bus of a client outside the services, for the test to publish, send and request with. */
  readonly bus: Bus;
  readonly #services: Map<string, Service>;
  readonly #client: Service;
  readonly #seen: SeenDelivery[] = [];
  readonly #published: TransportMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #timeoutMs: number;

  private constructor(broker: InMemoryBroker, services: Map<string, Service>, client: Service, timeoutMs: number) {
    this.broker = broker;
    this.#services = services;
    this.#client = client;
    this.bus = client.bus;
    this.#timeoutMs = timeoutMs;
    broker.onPublish((message) => this.#published.push(message));
    for (const [name, service] of services) {
      service.onDispatch((event) => this.#record({ ...event, service: name }));
    }
  }

  /** Starts the services (in the order given) and a client on one in-memory broker. */
  static async start(definitions: readonly ServiceDefinition[], options: TestHarnessOptions = {}): Promise<TestHarness> {
    const broker = new InMemoryBroker();
    const env = { LOG_LEVEL: 'silent', ...options.env };
    const make = (definition: ServiceDefinition) => {
      const configure = options.configure?.[definition.name];
      return createService(definition, {
        transport: new InMemoryTransport(broker),
        env,
        ...(options.settings ? { settings: options.settings } : {}),
        ...(configure ? { configure } : {}),
      });
    };
    const services = new Map<string, Service>();
    for (const definition of definitions) {
      if (services.has(definition.name)) throw new Error(`The harness runs one ${definition.name}; list it once`);
      services.set(definition.name, make(definition));
    }
    const client = make(defineService({ name: 'test-client' }));
    const harness = new TestHarness(broker, services, client, options.timeoutMs ?? 5_000);
    try {
      for (const service of services.values()) await service.start();
      await client.start();
    } catch (error) {
      await harness.stop();
      throw error;
    }
    return harness;
  }

  /** The running instance of a service. */
  service(name: string): Service {
    const service = this.#services.get(name);
    if (!service) throw new Error(`No service "${name}" in this harness (have: ${[...this.#services.keys()].join(', ')})`);
    return service;
  }

  /** Resolves a binding from a service's container (the only service when there is one). */
  get<T>(token: ServiceIdentifier<T>, service?: string): T {
    const name = service ?? (this.#services.size === 1 ? [...this.#services.keys()][0] : undefined);
    if (name === undefined) throw new Error('Name the service to resolve from: harness.get(token, "feed")');
    return this.service(name).get<T>(token);
  }

  /** Publishes an event from the test client. */
  publish: Bus['publish'] = (event, payload, options) => this.bus.publish(event, payload, options);
  /** Sends a command from the test client. */
  send: Bus['send'] = (command, payload, options) => this.bus.send(command, payload, options);
  /** Asks a query from the test client. */
  request: Bus['request'] = (query, payload, options) => this.bus.request(query, payload, options);

  /** Waits until messages of `contract` were handled successfully `count` times; resolves with them. */
  waitForHandled(contract: Contract, options: WaitOptions = {}): Promise<SeenDelivery[]> {
    return this.waitFor((e) => e.outcome === 'handled' && e.message.type === contract.type, options);
  }

  /** Waits until messages (of `contract`, if given) were dead-lettered `count` times. */
  waitForDeadLettered(contract?: Contract, options: WaitOptions = {}): Promise<SeenDelivery[]> {
    return this.waitFor(
      (e) => e.outcome === 'dead-lettered' && (contract === undefined || e.message.type === contract.type),
      options,
    );
  }

  /** Waits until `count` settled deliveries match `predicate`, counting from the harness's start. */
  waitFor(predicate: (event: SeenDelivery) => boolean, options: WaitOptions = {}): Promise<SeenDelivery[]> {
    const count = options.count ?? 1;
    const matches = (e: SeenDelivery) => (options.service === undefined || e.service === options.service) && predicate(e);
    const already = this.#seen.filter(matches);
    if (already.length >= count) return Promise.resolve(already.slice(0, count));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        count,
        resolve: (events) => {
          clearTimeout(timer);
          resolve(events);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#seen.filter(matches).length;
        reject(new Error(`Waited ${timeoutMs} ms for ${count} matching deliveries; saw ${seen}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Every delivery settled so far, in order. */
  get seen(): readonly SeenDelivery[] {
    return this.#seen;
  }

  /** Payloads of the messages published so far (of `contract`, if given), decoded. */
  published(contract?: Contract): unknown[] {
    return this.#published
      .filter((m) => m.kind !== 'reply' && (contract === undefined || m.type === contract.type))
      .map((m) => JSON.parse(m.body.toString('utf8')) as unknown);
  }

  /** The messages in a service's dead-letter queue, decoded, with their reason. */
  deadLetters(service: string): DeadLetter[] {
    return this.broker.peek(this.service(service).topology.deadLetterQueue).map((m) => {
      let payload: unknown;
      try {
        payload = JSON.parse(m.body.toString('utf8'));
      } catch {
        payload = m.body.toString('utf8');
      }
      return {
        type: m.type,
        payload,
        code: m.headers['x-wharf-error-code'],
        reason: m.headers['x-wharf-error-message'],
        attempts: Number(m.headers['x-wharf-attempts'] ?? 0),
        headers: m.headers,
      };
    });
  }

  /** Stops every service (draining in-flight handlers) and the client. */
  async stop(): Promise<void> {
    await this.#client.stop();
    for (const service of [...this.#services.values()].reverse()) await service.stop();
  }

  #record(event: SeenDelivery): void {
    this.#seen.push(event);
    for (const waiter of this.#waiters) {
      const matching = this.#seen.filter(waiter.matches);
      if (matching.length >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve(matching.slice(0, waiter.count));
      }
    }
  }
}

/** Starts services on one in-memory broker for a test: `await createTestHarness([feedService])`. */
export function createTestHarness(
  definitions: readonly ServiceDefinition[],
  options: TestHarnessOptions = {},
): Promise<TestHarness> {
  return TestHarness.start(definitions, options);
}

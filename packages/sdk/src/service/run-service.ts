import { WharfError } from '../errors/wharf-error.js';
import { createLogger } from '../logging/logger.js';
import type { ServiceDefinition } from './define-service.js';
import { createService, type CreateServiceOptions, type Service } from './service.js';

/** Options of {@link runService}: those of `createService`, plus the process to manage. */
export interface RunServiceOptions extends CreateServiceOptions {
  /** Command-line arguments; `topology` prints the service's topology, `topology apply` declares it. */
  argv?: readonly string[];
  /** Ends the process; `process.exit` by default (tests pass their own). */
  exit?: (code: number) => void;
  /** Runs just before the process exits (flush telemetry). */
  beforeExit?: () => unknown;
  /** The process whose signals and uncaught errors are handled; `process` by default. */
  process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs a service as the process's main job: starts it, stops it gracefully on SIGTERM or SIGINT and exits 0,
 * exits 1 on a failed start or an uncaught error (logged as fatal). When the settings are invalid there is no
 * service to return: the promise stays pending while the process exits (it rejects only with a custom `exit`).
 * With the argument `topology` it prints the service's queues and routes as JSON; with `topology apply` it
 * declares them on the broker and exits.
 */
export async function runService(definition: ServiceDefinition, options: RunServiceOptions = {}): Promise<Service> {
  const argv = options.argv ?? process.argv.slice(2);
  const exitNow = options.exit ?? ((code: number) => process.exit(code));
  const exit = (code: number) => {
    void Promise.resolve()
      .then(options.beforeExit)
      .catch(() => undefined)
      .finally(() => exitNow(code));
  };
  const proc = options.process ?? process;
  let service: Service;
  try {
    service = createService(definition, options);
  } catch (error) {
    // Settings are read before the service's logger exists: report with a plain one.
    const reason = WharfError.is(error) ? `${error.code}: ${error.message}` : String(error);
    createLogger({ service: definition.name }).fatal({ err: error }, `could not start ${definition.name}: ${reason}`);
    exit(1);
    // The process is exiting with the reason logged: a rejection here would only print its stack trace again
    // (a main.ts awaits runService at top level). A caller that ends the process itself gets the error.
    if (options.exit === undefined) return new Promise<never>(() => undefined);
    throw error;
  }
  const { logger } = service;

  if (argv[0] === 'topology') {
    const topology = service.topology;
    if (argv[1] === 'apply') {
      try {
        await service.transport.connect();
        await service.transport.declare(topology);
        await service.transport.close();
        logger.info({ topology }, 'topology declared');
      } catch (error) {
        logger.error({ err: error }, 'could not declare the topology');
        exit(1);
        return service;
      }
    } else {
      process.stdout.write(`${JSON.stringify(topology, null, 2)}\n`);
    }
    exit(0);
    return service;
  }

  let stopping = false;
  const shutdown = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    service.stop().then(
      () => exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while draining means "now".
    if (stopping) exitNow(1);
    shutdown(signal, 0);
  };
  const onFatal = (error: unknown) => {
    logger.fatal({ err: error }, 'uncaught error');
    shutdown('uncaught error', 1);
  };
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('uncaughtException', onFatal);
  proc.on('unhandledRejection', onFatal);

  try {
    await service.start();
  } catch (error) {
    const reason = WharfError.is(error) ? `${error.code}: ${error.message}` : String(error);
    logger.fatal({ err: error }, `could not start ${definition.name}: ${reason}`);
    stopping = true;
    exit(1);
  }
  return service;
}

import { parseArgs } from 'node:util';

/** The scenarios a run can measure; all of them by default. */
export const SCENARIOS = ['cold-start', 'events', 'requests', 'memory'] as const;
/** One of {@link SCENARIOS}. */
export type Scenario = (typeof SCENARIOS)[number];

/** What one benchmark run does: sizes, rounds, load shape and which scenarios. */
export interface BenchSettings {
  readonly rounds: number;
  readonly quick: boolean;
  readonly scenarios: readonly Scenario[];
  /** Persistent events per throughput run. */
  readonly events: number;
  /** Most unconfirmed publishes of a producer (both variants). */
  readonly publishWindow: number;
  /** Consumer prefetch (both variants; Wharf's default). */
  readonly prefetch: number;
  readonly warmupRequests: number;
  readonly sequentialRequests: number;
  readonly concurrentRequests: number;
  readonly inFlight: number;
  /** Events through the in-memory bus per round. */
  readonly memoryEvents: number;
  /** Broker to run against, without a vhost: the run makes its own. */
  readonly brokerUrl: string;
  /** Directory for `--cpu-prof` profiles of the workers, when profiling. */
  readonly profileDir: string | undefined;
}

/** The usage line printed by `--help`. */
export const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--only cold-start,events,requests,memory] [--prefetch N] [--profile DIR] [--broker URL]
  --quick     small sizes and 2 rounds: a smoke test of the whole bench in about a minute
  --rounds N  rounds of every scenario, variants interleaved (default 5, quick 2)
  --only      run only these scenarios (comma-separated)
  --prefetch  consumer prefetch of both variants (default 32, Wharf's default)
  --profile   write a V8 CPU profile of every worker process into DIR (node --cpu-prof)
  --broker    AMQP URL of RabbitMQ without vhost (default amqp://guest:guest@127.0.0.1:5672)`;

/** The sizes of `--quick`, used by a full run's unrecorded warm-up round (it primes the broker, disk and JIT). */
export function warmupSettings(settings: BenchSettings): BenchSettings {
  return {
    ...settings,
    events: 2_000,
    warmupRequests: 50,
    sequentialRequests: 300,
    concurrentRequests: 1_000,
    memoryEvents: 5_000,
  };
}

/** Reads the command line; throws with the usage on a bad one. */
export function parseSettings(argv: readonly string[]): BenchSettings | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      only: { type: 'string' },
      prefetch: { type: 'string' },
      profile: { type: 'string' },
      broker: { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const rounds = values.rounds === undefined ? (quick ? 2 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50)
    throw new Error(`--rounds must be 1 to 50\n${USAGE}`);
  const prefetch = values.prefetch === undefined ? 32 : Number(values.prefetch);
  if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 10_000)
    throw new Error(`--prefetch must be 1 to 10000\n${USAGE}`);
  const scenarios =
    values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((name) => name.trim());
  for (const name of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`Unknown scenario ${name}\n${USAGE}`);
  }
  return {
    rounds,
    quick,
    scenarios: scenarios as Scenario[],
    events: quick ? 2_000 : 20_000,
    publishWindow: 100,
    prefetch,
    warmupRequests: quick ? 50 : 200,
    sequentialRequests: quick ? 300 : 5_000,
    concurrentRequests: quick ? 1_000 : 5_000,
    inFlight: 50,
    memoryEvents: quick ? 5_000 : 20_000,
    brokerUrl: values.broker ?? 'amqp://guest:guest@127.0.0.1:5672',
    profileDir: values.profile,
  };
}

import { runInMemory } from '../workers/in-memory.js';
import { fail } from '../workers/worker-io.js';

await runInMemory()
  .then(() => process.exit(0))
  .catch(fail);

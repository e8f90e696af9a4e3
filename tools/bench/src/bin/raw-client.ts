import { runRawClient } from '../workers/raw-client.js';
import { fail } from '../workers/worker-io.js';

await runRawClient().catch(fail);

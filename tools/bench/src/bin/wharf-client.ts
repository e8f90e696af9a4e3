import { runWharfClient } from '../workers/wharf-client.js';
import { fail } from '../workers/worker-io.js';

await runWharfClient().catch(fail);

import { runRawService } from '../workers/raw-service.js';
import { fail } from '../workers/worker-io.js';

await runRawService().catch(fail);

import { runWharfService } from '../workers/wharf-service.js';
import { fail } from '../workers/worker-io.js';

await runWharfService().catch(fail);

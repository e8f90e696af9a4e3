// The OTel SDK is registered first: this module's imports are evaluated in order.
import { exportedSpans } from '../workers/tracing.js';
import { runRawService } from '../workers/raw-service.js';
import { fail } from '../workers/worker-io.js';

await runRawService({ spans: exportedSpans }).catch(fail);

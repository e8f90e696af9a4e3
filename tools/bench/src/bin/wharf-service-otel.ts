// The OTel SDK is registered first: this module's imports are evaluated in order.
import { exportedSpans } from '../workers/tracing.js';
import { runWharfService } from '../workers/wharf-service.js';
import { fail } from '../workers/worker-io.js';

await runWharfService({ spans: exportedSpans }).catch(fail);

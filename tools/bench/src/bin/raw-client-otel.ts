// The OTel SDK is registered first: this module's imports are evaluated in order.
import { exportedSpans } from '../workers/tracing.js';
import { runRawClient } from '../workers/raw-client.js';
import { fail } from '../workers/worker-io.js';

await runRawClient({ spans: exportedSpans }).catch(fail);

// The OTel SDK is registered first: this module's imports are evaluated in order.
import { exportedSpans } from '../workers/tracing.js';
import { runWharfClient } from '../workers/wharf-client.js';
import { fail } from '../workers/worker-io.js';

await runWharfClient({ spans: exportedSpans }).catch(fail);

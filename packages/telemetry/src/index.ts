export type { Telemetry } from './start-telemetry.js';
export { startTelemetry } from './start-telemetry.js';

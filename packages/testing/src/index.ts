export type { TestHarnessOptions, WaitOptions, SeenDelivery, DeadLetter } from './test-harness.js';
export { TestHarness, createTestHarness } from './test-harness.js';

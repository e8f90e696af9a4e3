import { defineConfig } from 'vitest/config';
import { workspaceTestConfig } from '../../vitest.workspace-config.mjs';

// Each file runs real processes against the broker: one file at a time keeps the 2-core machine honest.
export default defineConfig(workspaceTestConfig(import.meta.dirname, { fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 }));

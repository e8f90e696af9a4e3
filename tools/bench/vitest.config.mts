import { defineConfig } from 'vitest/config';
import { workspaceTestConfig } from '../../vitest.workspace-config.mjs';

export default defineConfig(workspaceTestConfig(import.meta.dirname));

import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run if any test left a process or temp directory behind.
    globalSetup: ['test/support/global-setup.ts'],
    // End-to-end tests drive real Terraform and PostgreSQL; two cores cannot run many at once.
    fileParallelism: true,
    maxWorkers: 2,
    // Heavy files first, so the run ends on short ones (see the sequencer).
    sequence: { sequencer: HeavyFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

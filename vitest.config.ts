import { defineConfig } from 'vitest/config';

const fuzz = process.env.FUZZ_RUNS !== undefined;

export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{protocol,firmware,host,simulator}/src/**/*.test.ts',
            '{protocol,firmware,host,simulator}/test/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts'] },
      },
      ...(fuzz ? [{ extends: true as const, test: { name: 'fuzz', include: ['{protocol,firmware,host,simulator}/{src,test}/**/*.fuzz.ts'] } }] : []),
    ],
  },
});

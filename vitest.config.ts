import { defineConfig } from 'vitest/config';

const fuzz = process.env.FUZZ_RUNS !== undefined;

export default defineConfig({
  // Tests run on sources: @badgewire/* resolve through the "source" export condition, also for modules vitest
  // externalises in its server-side (node) environment.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    pool: 'forks',
    setupFiles: ['./vitest.setup.ts'],
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
      ...(fuzz
        ? [
            {
              extends: true as const,
              test: { name: 'fuzz', include: ['{protocol,firmware,host,simulator}/{src,test}/**/*.fuzz.ts'] },
            },
          ]
        : []),
    ],
  },
});

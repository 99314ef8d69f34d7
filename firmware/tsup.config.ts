import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', build: 'build/index.ts', 'build-all': 'build/build-all.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: false,
  dts: false,
  external: ['esbuild', 'acorn', 'commander'],
});

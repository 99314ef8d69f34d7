import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', device: 'src/device.ts' },
  format: ['esm'],
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  dts: false,
});

import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
  removeNodeProtocol: false,
};

export default defineConfig([
  // The runtime-agnostic core.
  { ...shared, entry: { index: 'src/index.ts' }, platform: 'neutral', clean: true },
  // proxyproto/node: imports the core from the sibling bundle instead of inlining a second copy.
  {
    ...shared,
    entry: { node: 'src/node/index.ts' },
    platform: 'node',
    // tsup hands esbuild 'esm' for both formats when tree-shaking; record the real one.
    esbuildOptions(options, { format }) {
      options.define = { ...options.define, __PROXYPROTO_CORE__: JSON.stringify(format === 'cjs' ? './index.cjs' : './index.js') };
    },
    esbuildPlugins: [
      {
        name: 'external-core',
        setup(build) {
          build.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({
            path: JSON.parse(build.initialOptions.define?.__PROXYPROTO_CORE__ ?? '"./index.js"') as string,
            external: true,
          }));
        },
      },
    ],
  },
  // The `proxyproto` command: ESM only, imports the two bundles above instead of inlining them.
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    sourcemap: false,
    splitting: false,
    treeshake: true,
    removeNodeProtocol: false,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [
      {
        name: 'external-public-api',
        setup(build) {
          build.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({ path: './index.js', external: true }));
          build.onResolve({ filter: /^\.\.\/node\/index\.js$/ }, () => ({ path: './node.js', external: true }));
        },
      },
    ],
  },
]);

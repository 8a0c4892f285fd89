import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// Most tests wait on a child process (the CLI, tmux, an emulator): a
		// third file in flight keeps two cores busy (the default is cores - 1).
		poolOptions: {forks: {maxForks: Number(process.env['FS_TEST_FORKS'] ?? 3), minForks: 1}},
		// As the CLI does (source/cli.ts): the SDK's Node 22 notice is noise here.
		env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
	},
});

import {BaseSequencer, type TestSpecification} from 'vitest/node';
import {defineConfig} from 'vitest/config';

/**
 * The longest files first (each runs its tests in turn, in one fork): started
 * last, one of them alone keeps the suite running minutes after the others
 * are done. Then the rest, as vitest orders them.
 */
const longestFirst = [
	'test/cli/migrate.test.ts', 'test/cli/runs.test.ts', 'test/cli/scenarios-local.test.ts', 'test/cli/scenarios-sagemaker.test.ts', 'test/stores/wide.test.ts',
	'test/cli/sagemaker.test.ts', 'test/cli/commands.test.ts', 'test/e2e/emulator-migrate.test.ts', 'test/e2e/shards.test.ts', 'test/e2e/server-copy.test.ts', 'test/e2e/guided.test.ts',
	'test/cli/filter-sandbox.test.ts', 'test/cli/usage.test.ts',
];

class LongestFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const rank = (file: TestSpecification) => {
			const index = longestFirst.findIndex(name => file.moduleId.endsWith(name));
			return index === -1 ? longestFirst.length : index;
		};

		return [...sorted].sort((a, b) => rank(a) - rank(b));
	}
}

/** Files that spawn `fs` (or tmux, or a shell scenario): each in a fork of its own. */
const processTests = ['test/cli/**/*.test.ts', 'test/e2e/**/*.test.ts'];
/**
 * Most of those wait on a child process (the CLI, tmux, an emulator): four
 * files in flight keep two cores busy (the default is cores - 1; three left a
 * fifth of the CPU idle).
 */
const processForks = Number(process.env['FS_TEST_FORKS'] ?? 4);

export default defineConfig({
	test: {
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// Forks in flight across both projects: theirs, and the one of the tests in process.
		maxWorkers: processForks + 1,
		sequence: {sequencer: LongestFirst},
		// As the CLI does (source/cli.ts): the SDK's Node 22 notice is noise here.
		// How npm started the tests (npm test, npx vitest) must not change how the
		// fs they run prints commands (`fs` or `npx fs`: core/format programName).
		env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', npm_command: '', npm_lifecycle_event: ''},
		projects: [
			{
				extends: true,
				test: {
					name: 'processes',
					include: processTests,
					poolOptions: {forks: {maxForks: processForks, minForks: 1}},
				},
			},
			{
				extends: true,
				test: {
					name: 'in-process',
					include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
					exclude: processTests,
					// The rest, one after the other in one fork that keeps its modules:
					// a fresh fork per file cost 1.4 CPU-seconds each (starting it,
					// loading the sources again), a minute a suite.
					isolate: false,
					poolOptions: {forks: {singleFork: true}},
				},
			},
		],
	},
});

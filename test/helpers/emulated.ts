/**
 * What the tests of `fs --store sagemaker` against the emulator share: the
 * environment that points fs at it, a group's contents read behind the API
 * (offline rows less the service's own times, online records), and a
 * migration's `--json` output with its failed rows.
 */
import {readFileSync} from 'node:fs';
import {expect} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import type {Run} from './cli.js';

/** The environment of `fs` against the emulator at `url`, with its own FS_HOME. */
export const serviceEnv = (url: string, home: string, extra: Record<string, string | undefined> = {}) => ({
	FS_STORE: 'sagemaker', FS_HOME: home, FS_ATHENA_OUTPUT: 's3://athena-results/fs/',
	AWS_ENDPOINT_URL: url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: undefined,
	...extra,
});

/** The bench fixture's identifiers (bench/fixture.ts): r000000000, r000000001, … */
export const benchIds = (count: number) => Array.from({length: count}, (_, id) => `r${String(id).padStart(9, '0')}`);

const serviceTimes = new Set(['write_time', 'api_invocation_time']);

/** A group's offline rows (write and API times left out) as sorted lines, and the online records of `ids`. */
export async function groupContents(dir: string, name: string, ids: string[]) {
	const store = new LocalStore(dir);
	try {
		const offline: string[] = [];
		for await (const batch of store.readOffline(name, {mode: 'history'})) {
			const kept = batch.names.flatMap((column, index) => (serviceTimes.has(column) ? [] : [index]));
			for (let row = 0; row < batch.length; row++) offline.push(JSON.stringify(kept.map(column => batch.columns[column]![row])));
		}

		const online: Record<string, unknown> = {};
		for (const id of ids) online[id] = await store.getRecord(name, id);
		return {offline: offline.sort(), online};
	} finally {
		await store.close();
	}
}

/** What `fs migrate --json` prints, as far as these tests read it. */
export interface MigrateOutput {
	plan: {offlineCopy?: {path: string; residual?: boolean; why?: string}; onlineRecords?: number};
	result: {totals: Record<string, number>; online?: Record<string, number>; offlineCopied?: number; failedFile?: string};
}

/** A migration that ended with every row accounted for: exit 0, or 3 when some failed (its failed-records file). */
export function finished(run: Run): MigrateOutput {
	expect(run.stdout, run.stderr).not.toBe('');
	const output = JSON.parse(run.stdout) as MigrateOutput;
	const failed = output.result.totals.failed!;
	if (failed === 0) expect(run.stderr).not.toMatch(/✘/);
	else expect(run.stderr).toContain(`✘ ${failed} records failed`);
	expect(run.code).toBe(failed > 0 ? 3 : 0);
	return output;
}

/** The lines of runs' failed-records files as the source record and why, sorted. */
export const failedRows = (...outputs: MigrateOutput[]) => outputs.flatMap(output => (output.result.failedFile
	? readFileSync(output.result.failedFile, 'utf8').trim().split('\n').map(line => {
		const {record, errorCode, errorMessage} = JSON.parse(line) as {record: unknown; errorCode: string; errorMessage: string};
		return JSON.stringify([record, errorCode, errorMessage]);
	})
	: [])).sort();

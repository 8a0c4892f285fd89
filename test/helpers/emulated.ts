/**
 * What the tests of `fs --store sagemaker` against the emulator share: the
 * environment that points fs at it, and a group's contents read behind the
 * API (offline rows less the service's own times, online records).
 */
import {LocalStore} from '../../source/stores/local/index.js';

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

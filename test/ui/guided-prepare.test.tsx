/**
 * The guided app over the real migration layer (not a fake controller): what
 * `prepare` warns of reaches the review screen, and the confirmation it
 * decided is the one asked for.
 */
import path from 'node:path';
import {render} from 'ink-testing-library';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {saveCheckpoint} from '../../source/engine/checkpoint.js';
import {migrationOptions} from '../../source/migration/options.js';
import {prepare} from '../../source/migration/prepare.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {App, type Outcome} from '../../source/ui/app/App.js';
import {guidedController} from '../../source/ui/app/run.js';
import {keys, waitForFrame} from '../helpers/ink.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-guided-prepare-');
const dir = path.join(temp.dir, 'store');
const env = {...process.env, FS_HOME: path.join(temp.dir, 'home'), FS_STORE: `local:${dir}`};
let store: LocalStore;

const group = (name: string) => ({
	FeatureGroupName: name, RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'event_time',
	FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String' as const}, {FeatureName: 'event_time', FeatureType: 'String' as const}],
	OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://guided/fs'}},
});

beforeAll(async () => {
	store = new LocalStore(dir);
	for (const name of ['src', 'tgt']) await store.createFeatureGroup(group(name));
	await store.batchWrite(['a', 'b'].map(id => ({FeatureGroupName: 'src', Record: {id, event_time: '2024-01-01T00:00:00Z'}})));
	await store.flush('src');
	// A run of the pair that stopped: its checkpoint saved, nothing else.
	const stopped = await prepare(migrationOptions({source: 'src', target: 'tgt'}), {env, cwd: temp.dir});
	saveCheckpoint(stopped.runDir, {...stopped.checkpoint, status: 'interrupted'});
	await stopped.closeStores();
});

afterAll(async () => {
	await store.close();
	temp.remove();
});

it('shows prepare\'s warning of an interrupted run and the cost estimate on the review screen, and asks for the name when the target is cleared', async () => {
	const {controller, release} = guidedController({store, env, cwd: temp.dir, stores: {}});
	const outcomes: Outcome[] = [];
	const {stdin, lastFrame, unmount} = render(<App controller={controller} size={{columns: 80, rows: 40}} initial={{source: 'src', target: 'tgt'}}
		options={{batchSize: '100', workers: '1', filter: '', clearTarget: true, mode: ''}} onExit={outcome => outcomes.push(outcome)}/>);
	try {
		const review = await waitForFrame(lastFrame, frame => frame.includes('Estimated records'), 20_000);
		expect(review.replace(/\s+/g, ' ')).toMatch(/⚠ An interrupted run of src → tgt exists \([\w-]+\); this starts over\. Pass --resume/);
		// The plan's estimate (core/cost.ts): two records of 33 bytes, a write unit each.
		expect(review).toContain('Write units: 2');
		expect(review).toContain('Write rate: not limited');
		stdin.write(keys.enter);
		const confirm = await waitForFrame(lastFrame, frame => frame.includes('to confirm'));
		expect(confirm.replace(/\s+/g, ' ')).toContain('it deletes the data of tgt first');
		expect(confirm).toContain('Type tgt to confirm');
	} finally {
		unmount();
		await release();
	}
}, 60_000);

it('takes the command line\'s options the form has no field for (--max-write-rate, --offline-copy, …) into every plan', async () => {
	const {controller, release} = guidedController({store, env, cwd: temp.dir, stores: {}, fixed: {maxWriteRate: '50'}});
	const {lastFrame, unmount} = render(<App controller={controller} size={{columns: 80, rows: 40}} initial={{source: 'src', target: 'tgt'}}
		options={{batchSize: '100', workers: '1', filter: '', clearTarget: false, mode: ''}} onExit={() => undefined}/>);
	try {
		const review = await waitForFrame(lastFrame, frame => frame.includes('Estimated records'), 20_000);
		expect(review).toContain('Write rate: at most 50 records/s');
	} finally {
		unmount();
		await release();
	}
}, 60_000);

/**
 * The guided migration's views and its whole flow, driven by key presses
 * against a fake controller and a fake engine (shared counters are real).
 */
import {EventEmitter} from 'node:events';
import React from 'react';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {checkCompatibility} from '../../source/core/compat.js';
import {makePlan, type Plan} from '../../source/core/plan.js';
import type {FeatureGroup} from '../../source/core/types.js';
import type {Migration, MigrationResult} from '../../source/engine/migrate.js';
import {ProgressBoard} from '../../source/engine/progress.js';
import type {NewGroupDraft} from '../../source/migration/new-group.js';
import {App, type Controller, type GroupInfo, type Outcome} from '../../source/ui/app/App.js';
import {Picker} from '../../source/ui/app/Picker.js';
import {Transfer} from '../../source/ui/app/Transfer.js';
import {stripAnsi} from '../../source/ui/style.js';
import {keys, waitForFrame} from '../helpers/ink.js';

const group = (name: string, features: string[], overrides: Partial<FeatureGroup> = {}): FeatureGroup => ({
	FeatureGroupName: name,
	FeatureGroupArn: `arn:aws:sagemaker:us-east-1:000000000000:feature-group/${name}`,
	RecordIdentifierFeatureName: 'customer_id',
	EventTimeFeatureName: 'event_time',
	FeatureDefinitions: ['customer_id', 'event_time', ...features].map(feature => ({FeatureName: feature, FeatureType: feature === 'balance' && name.startsWith('new') ? 'Fractional' : 'String'})),
	CreationTime: new Date(0),
	FeatureGroupStatus: 'Created',
	OnlineStoreConfig: {EnableOnlineStore: true},
	OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://b/p'}},
	...overrides,
});

const groups: GroupInfo[] = [
	group('old-customer-profile', ['balance', 'legacy_flag']),
	group('new-customer-profile', ['balance', 'new_field']),
	group('events-v3', [], {FeatureGroupStatus: 'Creating'}),
	group('keyed-otherwise', [], {RecordIdentifierFeatureName: 'email', FeatureDefinitions: [{FeatureName: 'email', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}]}),
].map(item => ({group: item, row: {name: item.FeatureGroupName, status: item.FeatureGroupStatus, stores: 'online+offline', size: '1,000 rows', ...(item.FeatureGroupStatus === 'Created' ? {} : {unusable: `not ready: ${item.FeatureGroupStatus}`})}}));

class FakeMigration extends EventEmitter {
	readonly board = new ProgressBoard(2);
	readonly totals = {read: 0, written: 0, failed: 0, skipped: 0, deletes: 0};
	readonly expected = 1000;
	readonly startedAt = Date.now();
	get progress() {
		return {done: this.totals.written + this.totals.failed + this.totals.skipped, moved: this.totals.written + this.totals.failed, failed: this.totals.failed};
	}

	stopped = false;
	finish!: (result: MigrationResult) => void;
	stop() {
		this.stopped = true;
	}

	async run(): Promise<MigrationResult> {
		return new Promise(resolve => {
			this.finish = resolve;
		});
	}
}

function controller(overrides: Partial<Controller> = {}) {
	const migration = new FakeMigration();
	const prepare = vi.fn(async (source: string, target: string, options: {batchSize: string; clearTarget: boolean}) => {
		const find = (name: string) => groups.find(item => item.group.FeatureGroupName === name)!.group;
		const plan: Plan = makePlan({
			source: find(source), target: find(target), choice: {strategy: 'offline_to_online', primary: 'offline', mode: 'history'},
			estimatedRecords: 1000, batchSize: Number(options.batchSize), workers: 2, clearTarget: options.clearTarget,
			sourceStore: 'local (/tmp/demo)', targetStore: 'local (/tmp/demo)', compatibility: checkCompatibility(find(source), find(target)),
		});
		return {plan};
	});
	const fake: Controller = {
		storeLabel: 'local (/tmp/demo)',
		groups: async () => groups,
		incompatible: (source, target) => {
			const errors = checkCompatibility(source, target).errors;
			return errors.length > 0 ? 'incompatible: record identifier' : undefined;
		},
		prepare,
		start: () => migration as unknown as Migration,
		finish: () => ({lines: ['✔ Migration finished in 0:01.0 · 1,000 records/s', '  read          1,000  = written + failed + skipped ✓']}),
		...overrides,
	};
	return {fake, migration, prepare};
}

let cleanup: (() => void) | undefined;
afterEach(() => {
	cleanup?.();
	cleanup = undefined;
});

function mount(element: React.ReactElement) {
	const view = render(element);
	cleanup = view.unmount;
	return view;
}

describe('Picker', () => {
	const rows = groups.map(item => item.row);

	it('filters as you type and picks with enter', async () => {
		const onPick = vi.fn();
		const {stdin, lastFrame} = mount(<Picker title="Pick the SOURCE feature group" rows={rows} columns={80} height={10} onPick={onPick}/>);
		await waitForFrame(lastFrame, frame => frame.includes('old-customer-profile'));
		stdin.write('new');
		const frame = await waitForFrame(lastFrame, text => text.includes('filter: new'));
		expect(frame).not.toContain('old-customer-profile');
		stdin.write(keys.enter);
		await vi.waitFor(() => expect(onPick).toHaveBeenCalledWith(expect.objectContaining({name: 'new-customer-profile'})));
	});

	it('shows unusable groups with the reason and refuses to pick them', async () => {
		const onPick = vi.fn();
		const {stdin, lastFrame} = mount(<Picker title="t" rows={rows} columns={80} height={10} onPick={onPick}/>);
		await waitForFrame(lastFrame, frame => frame.includes('not ready: Creating'));
		stdin.write('events');
		await waitForFrame(lastFrame, frame => frame.includes('filter: events'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, frame => frame.includes('events-v3 cannot be picked'));
		expect(onPick).not.toHaveBeenCalled();
	});

	it('moves with the arrow keys and goes back with esc', async () => {
		const onPick = vi.fn();
		const onBack = vi.fn();
		const {stdin, lastFrame} = mount(<Picker title="t" rows={rows} columns={80} height={10} onPick={onPick} onBack={onBack}/>);
		await waitForFrame(lastFrame, frame => frame.includes('❯ old-customer-profile'));
		stdin.write(keys.down);
		await waitForFrame(lastFrame, frame => frame.includes('❯ new-customer-profile'));
		stdin.write(keys.escape);
		await vi.waitFor(() => expect(onBack).toHaveBeenCalled());
	});
});

describe('the guided flow', () => {
	it('goes from the pickers through the diff, plan and confirmation to the transfer and summary', async () => {
		const {fake, migration, prepare} = controller();
		const outcomes: Outcome[] = [];
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} onExit={outcome => outcomes.push(outcome)}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Pick the SOURCE') && frame.includes('step 1 of 4'));
		stdin.write('old');
		await waitForFrame(lastFrame, frame => frame.includes('filter: old'));
		stdin.write(keys.enter);
		// The target list leaves out the source and marks what cannot take its data.
		let frame = await waitForFrame(lastFrame, text => text.includes('Pick the TARGET') && text.includes('step 2 of 4'));
		expect(frame).not.toMatch(/❯ old-customer-profile/);
		expect(frame).toMatch(/keyed-otherwise .* incompatible: record/);
		stdin.write('new');
		await waitForFrame(lastFrame, text => text.includes('filter: new'));
		stdin.write(keys.enter);
		frame = await waitForFrame(lastFrame, text => text.includes('📋 Migration plan'));
		expect(frame).toContain('~ balance');
		expect(frame).toContain('String → Fractional');
		expect(frame).toContain('- legacy_flag');
		expect(frame).toContain('+ new_field');
		expect(frame).toContain('Schema: 2 to copy, 1 to cast, 1 new (empty), 1 dropped');
		expect(frame).toContain('Batch size: 100 · Workers: 2');
		expect(frame).toContain('step 3 of 4');
		expect(prepare).toHaveBeenCalledWith('old-customer-profile', 'new-customer-profile', expect.objectContaining({batchSize: '100'}));
		stdin.write(keys.enter);
		// legacy_flag is dropped: confirm by typing the target's name.
		await waitForFrame(lastFrame, text => text.includes('Type new-customer-profile to confirm'));
		stdin.write('new-customer-profile');
		await waitForFrame(lastFrame, text => text.includes('confirm: new-customer-profile'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, text => text.includes('worker 1') && text.includes('running'));
		migration.board.add(0, 'records', 400);
		migration.board.setState(1, 'backing off');
		migration.totals.written = 400;
		frame = await waitForFrame(lastFrame, text => text.includes('400 / 1,000') && text.includes('backing off'));
		expect(frame).toContain('40.0%');
		migration.finish({status: 'done', totals: {read: 1000, written: 1000, failed: 0, skipped: 0, deletes: 0}, retries: 0, seconds: 1, recordsPerSecond: 1000});
		await waitForFrame(lastFrame, text => text.includes('Migration finished') && text.includes('done'));
		stdin.write(keys.enter);
		await vi.waitFor(() => expect(outcomes).toEqual([{kind: 'finished', error: undefined}]));
	});

	/** The app from its plan to the transfer under way (confirmed by typing the target's name), then Ctrl-C. */
	async function transferAsked(onExit: (outcome: Outcome) => void = () => undefined) {
		const {fake, migration} = controller();
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} options={{batchSize: '100', workers: '2', filter: '', clearTarget: false, mode: ''}} onExit={onExit}/>);
		await waitForFrame(lastFrame, frame => frame.includes('📋 Migration plan'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, frame => frame.includes('to confirm'));
		stdin.write('new-customer-profile\r');
		await waitForFrame(lastFrame, frame => frame.includes('ctrl-c stop (resumable)'));
		stdin.write(keys.ctrlC);
		return {migration, stdin, lastFrame};
	}

	it('asks before stopping on Ctrl-C during the transfer, and stops the engine on yes', async () => {
		const {migration, stdin, lastFrame} = await transferAsked();
		await waitForFrame(lastFrame, frame => frame.includes('Stop the migration?'));
		stdin.write('n');
		await waitForFrame(lastFrame, frame => frame.includes('ctrl-c stop (resumable)'));
		expect(migration.stopped).toBe(false);
		stdin.write(keys.ctrlC);
		await waitForFrame(lastFrame, frame => frame.includes('Stop the migration?'));
		stdin.write('y');
		await waitForFrame(lastFrame, frame => frame.includes('stopping'));
		expect(migration.stopped).toBe(true);
	});

	it('a run that ends while it asks whether to stop shows its summary, which enter or q then leaves', async () => {
		const outcomes: Outcome[] = [];
		const {migration, stdin, lastFrame} = await transferAsked(outcome => outcomes.push(outcome));
		await waitForFrame(lastFrame, frame => frame.includes('Stop the migration?'));
		migration.finish({status: 'done', totals: {read: 1000, written: 1000, failed: 0, skipped: 0, deletes: 0}, retries: 0, seconds: 1, recordsPerSecond: 1000});
		await waitForFrame(lastFrame, frame => frame.includes('Migration finished'));
		stdin.write('q');
		await waitForFrame(lastFrame, () => outcomes.length > 0);
		expect(outcomes).toEqual([{kind: 'finished'}]);
	});

	it('lets the options be changed before confirming, and quits cleanly on Ctrl-C outside the transfer', async () => {
		const {fake, prepare} = controller();
		const outcomes: Outcome[] = [];
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} onExit={outcome => outcomes.push(outcome)}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Batch size: 100'));
		stdin.write('e');
		await waitForFrame(lastFrame, frame => frame.includes('Options'));
		stdin.write(keys.backspace);
		stdin.write(keys.backspace);
		await waitForFrame(lastFrame, frame => /Batch size\s+1▌/.test(frame));
		stdin.write('50');
		await waitForFrame(lastFrame, frame => /Batch size\s+150▌/.test(frame));
		stdin.write(keys.down);
		stdin.write(keys.down);
		stdin.write(keys.down);
		await waitForFrame(lastFrame, frame => frame.includes('❯ Clear target first'));
		stdin.write(' ');
		await waitForFrame(lastFrame, frame => frame.includes('[x] yes'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, frame => frame.includes('Batch size: 150') && frame.includes('Clear target: yes'));
		expect(prepare).toHaveBeenLastCalledWith('old-customer-profile', 'new-customer-profile', expect.objectContaining({batchSize: '150', clearTarget: true}));
		stdin.write(keys.ctrlC);
		await vi.waitFor(() => expect(outcomes).toEqual([{kind: 'quit'}]));
	});

	it('takes Esc and Ctrl-C arriving in one read as the two keys: back, then quit', async () => {
		const {fake} = controller();
		const outcomes: Outcome[] = [];
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} onExit={outcome => outcomes.push(outcome)}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Batch size: 100'));
		stdin.write(`${keys.escape}${keys.ctrlC}`);
		await vi.waitFor(() => expect(outcomes).toEqual([{kind: 'quit'}]));
	});

	it('takes keys that arrive several in one read, and Ctrl-U / Ctrl-W, in every typed field', async () => {
		const {fake, prepare} = controller();
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} onExit={() => undefined}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Batch size: 100'));
		stdin.write('e');
		await waitForFrame(lastFrame, frame => frame.includes('Options'));
		// Three backspaces and "50" in one read, as a quick typist over SSH sends them.
		stdin.write('\u007F\u007F\u007F50');
		await waitForFrame(lastFrame, frame => /Batch size\s+50▌/.test(frame));
		stdin.write('\u0015');
		await waitForFrame(lastFrame, frame => /Batch size\s+—▌/.test(frame));
		stdin.write('75');
		stdin.write(keys.down);
		stdin.write(keys.down);
		await waitForFrame(lastFrame, frame => frame.includes('❯ Filter'));
		stdin.write('WHERE age > 1');
		await waitForFrame(lastFrame, frame => frame.includes('WHERE age > 1▌'));
		stdin.write('\u0017');
		await waitForFrame(lastFrame, frame => frame.includes('WHERE age > ▌'));
		stdin.write('2\r');
		await waitForFrame(lastFrame, frame => frame.includes('Batch size: 75'));
		expect(prepare).toHaveBeenLastCalledWith('old-customer-profile', 'new-customer-profile', expect.objectContaining({batchSize: '75', filter: 'WHERE age > 2'}));
		// The typed confirmation too: a name with a typo fixed in the same read.
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, frame => frame.includes('to confirm'));
		stdin.write('new-customer-profilx\u007Fe');
		await waitForFrame(lastFrame, frame => frame.includes('new-customer-profile▌'));
	});

	it('drafts a new target from the source\'s schema: name it, drop, retype and add features, create it (a spinner while it is created), then its plan', async () => {
		let created!: (list: GroupInfo[]) => void;
		let failOnce = true;
		const createGroup = vi.fn((draft: NewGroupDraft) => new Promise<GroupInfo[]>((resolve, reject) => {
			if (failOnce) {
				failOnce = false;
				reject(Object.assign(new Error('A feature group named new-customer-profile exists already.'), {remedy: 'Pick another name.'}));
				return;
			}

			created = resolve;
			void draft;
		}));
		const {fake, prepare} = controller({createGroup});
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} onExit={() => undefined}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Pick the SOURCE'));
		stdin.write('old');
		await waitForFrame(lastFrame, frame => frame.includes('filter: old'));
		stdin.write(keys.enter);
		// The first row of the target list, while no filter is typed.
		await waitForFrame(lastFrame, text => text.includes('❯ + new feature group from old-customer-profile\'s schema'));
		stdin.write(keys.enter);
		let frame = await waitForFrame(lastFrame, text => text.includes('New feature group from old-customer-profile'));
		expect(frame).toContain('Name: old-customer-profile-v2▌');
		expect(frame).toContain('step 2 of 4');
		// A name taken already: the store's refusal shows, the draft stays.
		stdin.write('\u0015new-customer-profile');
		await waitForFrame(lastFrame, text => text.includes('Name: new-customer-profile▌'));
		stdin.write(keys.enter);
		frame = await waitForFrame(lastFrame, text => text.includes('✘ A feature group named new-customer-profile exists already.'));
		expect(frame).toContain('Pick another');
		stdin.write('\u0015customer-profile-v3');
		await waitForFrame(lastFrame, text => text.includes('Name: customer-profile-v3▌'));
		// The identifier stays; balance becomes Integral; legacy_flag is dropped; tier is added.
		stdin.write(keys.down);
		await waitForFrame(lastFrame, text => /❯ {3}customer_id/.test(text));
		stdin.write('d');
		await waitForFrame(lastFrame, text => text.includes('customer_id is the identifier: it stays'));
		stdin.write(keys.down);
		stdin.write(keys.down);
		await waitForFrame(lastFrame, text => /❯ {3}balance/.test(text));
		stdin.write('t');
		await waitForFrame(lastFrame, text => /~ balance\s+Integral\s+was String/.test(text));
		stdin.write(keys.down);
		await waitForFrame(lastFrame, text => /❯ {3}legacy_flag/.test(text));
		stdin.write('d');
		await waitForFrame(lastFrame, text => /- legacy_flag\s+String\s+dropped/.test(text));
		stdin.write('a');
		await waitForFrame(lastFrame, text => text.includes('+ new feature: ▌'));
		stdin.write('tier\r');
		frame = await waitForFrame(lastFrame, text => /\+ tier\s+String\s+new/.test(text));
		expect(frame).toContain('4 features · 1 new · 1 dropped · 1 retyped');
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, text => text.includes('creating customer-profile-v3, waiting until it is Created…'));
		const draft = createGroup.mock.calls[1]![0];
		expect(draft.name).toBe('customer-profile-v3');
		expect(draft.features.filter(item => !item.dropped).map(item => [item.feature.FeatureName, item.feature.FeatureType])).toEqual([
			['customer_id', 'String'], ['event_time', 'String'], ['balance', 'Integral'], ['tier', 'String'],
		]);
		// Created: the plan of the source into it.
		const made = {...groups[0]!.group, FeatureGroupName: 'customer-profile-v3', FeatureDefinitions: draft.features.filter(item => !item.dropped).map(item => item.feature)};
		groups.push({group: made, row: {name: made.FeatureGroupName, status: 'Created', stores: 'online+offline', size: '0 rows'}});
		try {
			created(groups);
			await waitForFrame(lastFrame, text => text.includes('Migration plan') && text.includes('old-customer-profile → customer-profile-v3'));
			expect(prepare).toHaveBeenLastCalledWith('old-customer-profile', 'customer-profile-v3', expect.anything());
		} finally {
			groups.pop();
		}
	});

	it('keeps a new-group draft left with esc, says why a character is left out of a name, and refuses a reserved feature name at once', async () => {
		const {fake} = controller({createGroup: vi.fn(async () => groups)});
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={undefined} onExit={() => undefined}/>);
		await waitForFrame(lastFrame, frame => frame.includes('Pick the SOURCE'));
		stdin.write('old');
		await waitForFrame(lastFrame, frame => frame.includes('filter: old'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, text => text.includes('❯ + new feature group'));
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, text => text.includes('Name: old-customer-profile-v2▌'));
		stdin.write('\u0015my');
		await waitForFrame(lastFrame, text => text.includes('Name: my▌'));
		stdin.write(' ');
		await waitForFrame(lastFrame, text => text.includes('" " left out: names take letters, digits, - and _ only'));
		stdin.write('profile');
		await waitForFrame(lastFrame, text => text.includes('Name: myprofile▌'));
		stdin.write(keys.down);
		stdin.write('a');
		await waitForFrame(lastFrame, text => text.includes('+ new feature: ▌'));
		stdin.write('write_time\r');
		await waitForFrame(lastFrame, text => text.includes('Feature name "write_time" is reserved by the offline store'));
		stdin.write(keys.escape);
		await waitForFrame(lastFrame, text => /❯ {3}legacy_flag/.test(text));
		stdin.write(keys.escape);
		await waitForFrame(lastFrame, text => text.includes('Pick the TARGET'));
		stdin.write(keys.enter);
		// Back again: the draft as it was left.
		await waitForFrame(lastFrame, text => text.includes('Name: myprofile'));
	});

	it('names each phase with a spinner while it lasts, and shows no total before the rows are counted', async () => {
		const migration = new FakeMigration() as FakeMigration & {expected: number};
		Object.defineProperty(migration, 'expected', {value: 0, writable: true});
		const {lastFrame} = mount(<Transfer migration={migration as unknown as Migration} columns={78} asking={false} stopping={false} frameMs={20}/>);
		migration.emit('phase', 'reading the source');
		let frame = await waitForFrame(lastFrame, text => text.includes('reading the source…'));
		expect(frame).toContain('counting the rows to copy…');
		expect(frame).not.toContain('0 / 0');
		expect(frame).not.toContain('100.0%');
		migration.expected = 1000;
		migration.emit('phase', 'transferring');
		frame = await waitForFrame(lastFrame, text => text.includes('✓ reading the source'));
		expect(frame).toContain('0 / 1,000');
		migration.emit('phase', 'verifying');
		frame = await waitForFrame(lastFrame, text => text.includes('verifying…'));
		expect(frame).toContain('✓ transferring');
	});

	it('shows the phase entered before it mounted (the run starts as the view does), never full bars and 0 / 0', async () => {
		const migration = new FakeMigration() as FakeMigration & {expected: number; phase?: string};
		Object.defineProperty(migration, 'expected', {value: 0, writable: true});
		migration.phase = 'clearing new-customer-profile';
		const {lastFrame} = mount(<Transfer migration={migration as unknown as Migration} columns={78} asking={false} stopping={false} frameMs={20}/>);
		const frame = await waitForFrame(lastFrame, text => text.includes('clearing new-customer-profile…'));
		expect(frame).toContain('counting the rows to copy…');
		expect(frame).not.toContain('0 / 0');
		expect(frame).not.toContain('█');
		// Nothing moved yet: no ETA rather than a false 0:00.
		expect(frame).toContain('ETA —');
	});

	it('moves the bars with a bulk load under way, in a lighter shade than what is written', async () => {
		const migration = new FakeMigration();
		const {lastFrame} = mount(<Transfer migration={migration as unknown as Migration} columns={78} asking={false} stopping={false} frameMs={20}/>);
		migration.emit('phase', 'transferring');
		// Worker 1: 200 written, a load of 300 rows under way; worker 2 idle.
		migration.board.add(0, 'records', 200);
		migration.totals.written = 200;
		migration.board.setInFlight(0, 300);
		let frame = await waitForFrame(lastFrame, text => text.includes('▓'));
		const worker = frame.split('\n').find(line => line.startsWith('worker 1'))!;
		// Its share is 500 of 1,000: 200 written (40%), 300 in flight (60%).
		const cells = worker.match(/[█▓░]+/)![0];
		expect(cells.replaceAll(/[^█]/g, '').length / cells.length).toBeCloseTo(0.4, 1);
		expect(cells.replaceAll(/[^▓]/g, '').length / cells.length).toBeCloseTo(0.6, 1);
		// The counts say what is written, never what is in flight.
		expect(frame).toContain('200 / 1,000');
		// The load commits: its rows are written, nothing in flight.
		migration.board.add(0, 'records', 300);
		migration.totals.written = 500;
		migration.board.setInFlight(0, 0);
		frame = await waitForFrame(lastFrame, text => text.includes('500 / 1,000'));
		expect(frame).not.toContain('▓');
	});

	it('shows why a plan cannot be made', async () => {
		const {fake} = controller({prepare: async () => {
			throw Object.assign(new Error('--batch-size must be a whole number from 1 to 10,000, got "0".'), {remedy: 'Pass e.g. --batch-size 100.'});
		}});
		const {lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} onExit={() => undefined}/>);
		const frame = await waitForFrame(lastFrame, text => text.includes('✘ --batch-size must be'));
		expect(frame).toContain('Pass e.g. --batch-size 100.');
		expect(frame).not.toContain('enter start');
	});

	it('folds unchanged features and keeps a tall review within the screen, scrolling with pgup/pgdn', async () => {
		const many = Array.from({length: 40}, (_, index) => `feature_${String(index).padStart(2, '0')}`);
		const wide = [group('wide-old', [...many, 'balance']), group('new-wide', [...many, 'balance', 'extra'])].map(item => ({group: item, row: {name: item.FeatureGroupName, status: 'Created', stores: 'online+offline', size: '1 row'}}));
		const plan = makePlan({
			source: wide[0]!.group, target: wide[1]!.group, choice: {strategy: 'offline_to_online', primary: 'offline', mode: 'history'},
			estimatedRecords: 1, batchSize: 100, workers: 2, clearTarget: false, sourceStore: 's', targetStore: 's', compatibility: checkCompatibility(wide[0]!.group, wide[1]!.group),
		});
		const {fake} = controller({groups: async () => wide, prepare: vi.fn(async () => ({plan}))});
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns: 80, rows: 24}} initial={{source: 'wide-old', target: 'new-wide'}} onExit={() => undefined}/>);
		let frame = await waitForFrame(lastFrame, text => text.includes('Migration plan'));
		expect(frame).toContain('= 40 unchanged');
		expect(frame).toContain('~ balance');
		expect(frame).toContain('+ extra');
		expect(frame.split('\n').length).toBeLessThanOrEqual(24);
		stdin.write('u');
		frame = await waitForFrame(lastFrame, text => text.includes('feature_00'));
		expect(frame.split('\n').length).toBeLessThanOrEqual(24);
		expect(frame).toMatch(/lines 1–\d+ of \d+ · pgdn for more/);
		expect(frame).not.toContain('Migration plan');
		for (let page = 0; page < 4; page++) stdin.write(keys.pageDown);
		frame = await waitForFrame(lastFrame, text => text.includes('Migration plan'));
		expect(frame.split('\n').length).toBeLessThanOrEqual(24);
		expect(frame).not.toContain('feature_00');
		stdin.write('u');
		frame = await waitForFrame(lastFrame, text => text.includes('= 40 unchanged'));
		expect(frame).toContain('Schema');
	});

	it.each([80, 60])('fits %i columns', async columns => {
		const {fake, migration} = controller();
		const {stdin, lastFrame} = mount(<App controller={fake} size={{columns, rows: 24}} initial={{source: 'old-customer-profile', target: 'new-customer-profile'}} onExit={() => undefined}/>);
		const review = await waitForFrame(lastFrame, frame => frame.includes('📋 Migration plan'));
		for (const line of review.split('\n')) expect(stripAnsi(line).length, line).toBeLessThanOrEqual(columns);
		expect(review.split('\n').length).toBeLessThanOrEqual(24);
		stdin.write(keys.enter);
		await waitForFrame(lastFrame, frame => frame.includes('to confirm'));
		stdin.write('new-customer-profile\r');
		migration.board.add(0, 'records', 300);
		const transfer = await waitForFrame(lastFrame, frame => frame.includes('worker 2') && frame.includes('300'));
		for (const line of transfer.split('\n')) expect(stripAnsi(line).length, line).toBeLessThanOrEqual(columns);
	});
});

/**
 * The dispatcher and bad input: clear messages that name the remedy, exit 2,
 * and the store untouched.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {fsWith, root, runFs} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-usage-');
const store = `local:${path.join(temp.dir, 'store')}`;
const fs = fsWith(store);
const file = (name: string, text: string) => {
	const target = path.join(temp.dir, name);
	writeFileSync(target, text);
	return target;
};

const schema = [
	{FeatureName: 'customer_id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'age', FeatureType: 'Integral'},
	{FeatureName: 'score', FeatureType: 'Fractional'},
];

/** Everything a bad command could have changed, to compare before and after. */
async function fingerprint() {
	const local = new LocalStore(path.join(temp.dir, 'store'));
	try {
		const groups = await local.listFeatureGroups();
		const rows = [];
		for (const group of groups) {
			for await (const batch of local.readOffline(group.FeatureGroupName, {mode: 'history', includeMetadata: true})) rows.push(batch.columns);
			for await (const page of local.listRecordIdentifiers(group.FeatureGroupName, {includeSoftDeleted: true})) {
				for (const id of page) rows.push(await local.getRecord(group.FeatureGroupName, id));
			}
		}

		return {groups, rows};
	} finally {
		await local.close();
	}
}

beforeAll(async () => {
	const created = await fs(['create', 'customers', '--schema-file', file('schema.json', JSON.stringify(schema)), '--record-identifier-name', 'customer_id']);
	expect(created.stderr).toBe('');
	expect(created.code).toBe(0);
	const put = await fs(['bulk-put', 'customers', file('good.csv', 'customer_id,event_time,age,score\nc1,2024-01-01T00:00:00Z,30,0.5\n')]);
	expect(put.code).toBe(0);
});
afterAll(() => temp.remove());

describe('dispatcher', () => {
	it('prints help and the version', async () => {
		const help = await runFs(['--help']);
		expect(help.code).toBe(0);
		for (const command of ['list', 'schema', 'create', 'get', 'export', 'bulk-put', 'clear', 'demo']) expect(help.stdout).toContain(`  ${command}`);
		const version = await runFs(['--version']);
		expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
		const commandHelp = await runFs(['export', '--help']);
		expect(commandHelp.code).toBe(0);
		expect(commandHelp.stdout).toContain('fs export FEATURE_GROUP FILE');
		expect(commandHelp.stdout).toContain('--store STORE');
	});

	it('refuses an unknown command with help, a suggestion and exit 2', async () => {
		const result = await runFs(['lst']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Unknown command "lst"');
		expect(result.stderr).toContain('Did you mean `fs list`?');
		expect(result.stderr).toContain('Commands');
	});

	it('refuses unknown flags with the command\'s help and exit 2', async () => {
		const result = await fs(['list', '--bogus']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('Unknown option --bogus for `fs list`');
		expect(result.stderr).toContain('fs list [-o table|json]');
	});

	it('refuses missing or extra arguments', async () => {
		expect((await fs(['schema'])).code).toBe(2);
		const extra = await fs(['schema', 'a', 'b']);
		expect(extra.code).toBe(2);
		expect(extra.stderr).toContain('takes at most 1 argument');
	});

	it('refuses an unknown store', async () => {
		const result = await runFs(['list', '--store', 'postgres']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--store local:DIR');
	});

	it('prints commands as `npx fs` where npm runs it (npm start, npx fs in a checkout), with every flag given', async () => {
		const asNpx = await fs(['clear', 'customers', '--online-only'], {env: {npm_command: 'exec'}});
		expect(asNpx.code).toBe(2);
		expect(asNpx.stderr).toMatch(/pass --yes to confirm in a script: npx fs clear customers --online-only --yes\n/);
		const plain = await fs(['clear', 'customers', '--online-only']);
		expect(plain.stderr).toMatch(/in a script: fs clear customers --online-only --yes\n/);
	});

	it('refuses a store directory that is not a store (a typo), making nothing; create makes one', async () => {
		const typo = path.join(temp.dir, 'no-such-store');
		for (const args of [['list'], ['schema', 'customers'], ['get', 'customers', 'c1'], ['export', 'customers', '-'], ['migrate', 'a', 'b', '--yes']]) {
			const result = await runFs([...args, '--store', `local:${typo}`]);
			expect(result.code, args[0]).toBe(2);
			expect(result.stderr, args[0]).toContain(`No store at ${typo}.`);
			expect(result.stderr, args[0]).toContain(`fs demo --store local:${typo}`);
			expect(existsSync(typo), args[0]).toBe(false);
		}

		const created = await runFs(['create', 'customers', '--schema-file', file('typo-schema.json', JSON.stringify(schema)), '--record-identifier-name', 'customer_id', '--store', `local:${typo}`]);
		expect(created.code).toBe(0);
		expect((await runFs(['list', '--store', `local:${typo}`])).code).toBe(0);
	});
});

describe('bad input: exit 2, a remedy, the store untouched', () => {
	const cases: Array<[string, () => string[], RegExp]> = [
		['unknown group', () => ['schema', 'nope'], /nope does not exist[\s\S]*fs list/],
		['invalid group name', () => ['get', 'bad name!', 'x'], /Invalid feature group name[\s\S]*letters, digits/],
		['invalid feature name', () => ['create', 'g2', '--schema-file', file('bad-feature.json', JSON.stringify([...schema, {FeatureName: 'bad name', FeatureType: 'String'}])), '--record-identifier-name', 'customer_id'], /Invalid feature name "bad name"/],
		['reserved feature name', () => ['create', 'g2', '--schema-file', file('reserved.json', JSON.stringify([...schema, {FeatureName: 'is_deleted', FeatureType: 'String'}])), '--record-identifier-name', 'customer_id'], /reserved[\s\S]*Rename it/],
		['malformed schema file', () => ['create', 'g2', '--schema-file', file('malformed.json', '[{"FeatureName": "a",')], /not valid JSON[\s\S]*fs schema GROUP -o json/],
		['missing schema file', () => ['create', 'g2', '--schema-file', path.join(temp.dir, 'none.json')], /Cannot read the schema file/],
		['identifier not in schema', () => ['create', 'g2', '--schema-file', file('schema2.json', JSON.stringify(schema))], /no feature named id[\s\S]*--record-identifier-name customer_id/],
		['CSV header not matching', () => ['bulk-put', 'customers', file('header.csv', 'customer_id,event_time,agee\nc2,2024-01-01T00:00:00Z,1\n')], /"agee" is not a feature[\s\S]*customer_id, event_time, age, score/],
		['CSV without the event time', () => ['bulk-put', 'customers', file('no-time.csv', 'customer_id,age\nc2,1\n')], /no event_time column/],
		['Integral "abc"', () => ['bulk-put', 'customers', file('abc.csv', 'customer_id,event_time,age\nc2,2024-01-01T00:00:00Z,abc\n')], /line 2: c2: age: "abc" is not an Integral/],
		['Integral 2^63', () => ['bulk-put', 'customers', file('big.json', '[{"customer_id": "c2", "event_time": "2024-01-01T00:00:00Z", "age": 9223372036854775808}]')], /outside the signed 64-bit range/],
		['malformed event time', () => ['bulk-put', 'customers', file('time.csv', 'customer_id,event_time\nc2,2024-01-01 00:00\n')], /not an event time \(ISO-8601 UTC/],
		['missing record identifier', () => ['bulk-put', 'customers', file('no-id.json', '[{"customer_id": "c2", "event_time": "2024-01-01T00:00:00Z"}, {"event_time": "2024-01-01T00:00:00Z"}]')], /item 2 \(line 1\): record identifier customer_id is missing/],
		['a bad row among good ones writes nothing', () => ['bulk-put', 'customers', file('mixed.csv', 'customer_id,event_time,age\nc2,2024-01-01T00:00:00Z,1\nc3,2024-01-01T00:00:00Z,x\n')], /1 of 2 records cannot go into customers; nothing was written/],
		['malformed JSON file', () => ['bulk-put', 'customers', file('broken.json', '[{"customer_id": "c2"')], /not closed/],
		['--batch-size 0', () => ['bulk-put', 'customers', path.join(temp.dir, 'good.csv'), '--batch-size', '0'], /--batch-size must be a whole number/],
		['--batch-size -1', () => ['bulk-put', 'customers', path.join(temp.dir, 'good.csv'), '--batch-size=-1'], /--batch-size must be a whole number/],
		['--batch-size abc', () => ['bulk-put', 'customers', path.join(temp.dir, 'good.csv'), '--batch-size', 'abc'], /--batch-size must be a whole number from 1/],
		['--where with ;', () => ['export', 'customers', path.join(temp.dir, 'out.csv'), '--where', 'WHERE age > 1; DROP TABLE x'], /contains ";"/],
		['--where with a second statement', () => ['export', 'customers', path.join(temp.dir, 'out.csv'), '--where', 'WHERE age > 1 UNION SELECT 1'], /contains UNION/],
		['--where the engine refuses', () => ['export', 'customers', path.join(temp.dir, 'out.csv'), '--where', 'WHERE event_time > current_date - interval \'3\' day'], /from_iso8601_timestamp\(event_time\)/],
		['--columns unknown', () => ['export', 'customers', path.join(temp.dir, 'out.csv'), '--columns', 'nope'], /no feature "nope"[\s\S]*Pick columns from/],
		['clear without a terminal or --yes', () => ['clear', 'customers'], /needs confirmation[\s\S]*--yes/],
	];

	it.each(cases)('%s', async (_label, args, message) => {
		const before = await fingerprint();
		const result = await fs(args());
		expect(result.stderr).toMatch(message);
		expect(result.stderr).toMatch(/✘ [\s\S]*→ /);
		expect(result.code).toBe(2);
		expect(await fingerprint()).toEqual(before);
	});
});

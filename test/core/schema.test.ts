import {describe, expect, it} from 'vitest';
import {checkFeatureGroupName, checkFeatureName} from '../../source/core/names.js';
import {checkCreateInput, parseSchema} from '../../source/core/schema.js';
import type {CreateFeatureGroupInput} from '../../source/core/types.js';

const input = (overrides: Partial<CreateFeatureGroupInput> = {}): CreateFeatureGroupInput => ({
	FeatureGroupName: 'g',
	RecordIdentifierFeatureName: 'id',
	EventTimeFeatureName: 'event_time',
	FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}],
	OnlineStoreConfig: {EnableOnlineStore: true},
	...overrides,
});

describe('names', () => {
	it('follows SageMaker\'s patterns', () => {
		expect(checkFeatureGroupName('a')).toBe('a');
		expect(checkFeatureGroupName('customer-history_v2')).toBe('customer-history_v2');
		expect(checkFeatureGroupName('a'.repeat(64))).toHaveLength(64);
		for (const bad of ['', '-a', 'a-', 'a b', 'a.b', 'a'.repeat(65), 'ä']) expect(() => checkFeatureGroupName(bad), bad).toThrow(/Invalid feature group name/);
		for (const bad of ['', '_x', 'x_', 'a b']) expect(() => checkFeatureName(bad), bad).toThrow(/Invalid feature name/);
	});

	it('refuses the reserved feature names', () => {
		for (const name of ['is_deleted', 'write_time', 'api_invocation_time', 'IS_DELETED']) expect(() => checkFeatureName(name)).toThrow(/reserved/);
	});
});

describe('schema file', () => {
	it('reads what fs schema -o json writes, and a DescribeFeatureGroup document', () => {
		const definitions = [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'v', FeatureType: 'Integral', CollectionType: 'List'}];
		expect(parseSchema(JSON.stringify(definitions), 'f')).toEqual(definitions);
		expect(parseSchema(JSON.stringify({FeatureDefinitions: definitions}), 'f')).toEqual(definitions);
	});

	it('refuses malformed files with the remedy', () => {
		expect(() => parseSchema('{not json', 'f.json')).toThrow(/not valid JSON/);
		expect(() => parseSchema('[]', 'f.json')).toThrow(/non-empty JSON array/);
		expect(() => parseSchema('[{"FeatureName":"a","FeatureType":"Float"}]', 'f.json')).toThrow(/FeatureType "Float"/);
		expect(() => parseSchema('[{"FeatureType":"String"}]', 'f.json')).toThrow(/FeatureName/);
	});
});

describe('create input', () => {
	it('needs the identifier and event time in the schema, with usable types', () => {
		expect(() => checkCreateInput(input())).not.toThrow();
		expect(() => checkCreateInput(input({RecordIdentifierFeatureName: 'nope'}))).toThrow(/record identifier nope is not in the schema/);
		expect(() => checkCreateInput(input({EventTimeFeatureName: 'nope'}))).toThrow(/event time feature nope/);
		expect(() => checkCreateInput(input({FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'Fractional'}, {FeatureName: 'event_time', FeatureType: 'String'}]}))).toThrow(/must be a String or Integral/);
		expect(() => checkCreateInput(input({FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'Integral'}]}))).toThrow(/String \(ISO-8601\) or Fractional/);
	});

	it('refuses reserved and duplicate names, stores-less groups and collections outside InMemory', () => {
		const base = input().FeatureDefinitions;
		expect(() => checkCreateInput(input({FeatureDefinitions: [...base, {FeatureName: 'write_time', FeatureType: 'String'}]}))).toThrow(/reserved/);
		expect(() => checkCreateInput(input({FeatureDefinitions: [...base, {FeatureName: 'ID', FeatureType: 'String'}]}))).toThrow(/defined twice/);
		expect(() => checkCreateInput(input({OnlineStoreConfig: undefined}))).toThrow(/online store, an offline store or both/);
		expect(() => checkCreateInput(input({FeatureDefinitions: [...base, {FeatureName: 'l', FeatureType: 'String', CollectionType: 'List'}]}))).toThrow(/InMemory/);
	});
});

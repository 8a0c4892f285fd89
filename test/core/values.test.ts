import {describe, expect, it} from 'vitest';
import {makeTargetRecords} from '../../source/core/cast.js';
import {checkCompatibility} from '../../source/core/compat.js';
import {checkRecord} from '../../source/core/records.js';
import type {FeatureGroup} from '../../source/core/types.js';
import {checkFractional, checkIntegral, checkString, checkValue, eventTimeMillis, exactInteger, formatEventTime, loneSurrogateAt} from '../../source/core/values.js';

describe('Integral', () => {
	it('keeps signed 64-bit values exact', () => {
		expect(checkIntegral('9223372036854775807')).toEqual({ok: true, value: '9223372036854775807'});
		expect(checkIntegral('-9223372036854775808')).toEqual({ok: true, value: '-9223372036854775808'});
	});

	it('refuses values outside 64 bits, and text', () => {
		expect(checkIntegral('9223372036854775808').ok).toBe(false);
		expect(checkIntegral('-9223372036854775809').ok).toBe(false);
		expect(checkIntegral('abc')).toMatchObject({ok: false, reason: expect.stringContaining('not an Integral')});
		expect(checkIntegral('1.5').ok).toBe(false);
		expect(checkIntegral('').ok).toBe(false);
		expect(checkIntegral('1e400').ok).toBe(false);
	});

	it('accepts exact integers written as decimals', () => {
		expect(exactInteger('30.0')).toBe(30n);
		expect(exactInteger('3e2')).toBe(300n);
		expect(exactInteger('+7')).toBe(7n);
		expect(exactInteger('1e-1')).toBeUndefined();
		expect(checkIntegral('007')).toEqual({ok: true, value: '7'});
	});
});

describe('Fractional', () => {
	it('takes finite decimals and normalises them', () => {
		expect(checkFractional('0.10')).toEqual({ok: true, value: '0.1'});
		expect(checkFractional('-2e3')).toEqual({ok: true, value: '-2000'});
		expect(checkFractional('n/a').ok).toBe(false);
		expect(checkFractional('Infinity').ok).toBe(false);
		expect(checkFractional('1e999').ok).toBe(false);
	});
});

describe('collections', () => {
	it('checks element types, Set uniqueness and Vector dimension', () => {
		expect(checkValue({FeatureName: 'l', FeatureType: 'Integral', CollectionType: 'List'}, ['1', '2'])).toEqual({ok: true, value: ['1', '2']});
		expect(checkValue({FeatureName: 's', FeatureType: 'String', CollectionType: 'Set'}, ['a', 'a']).ok).toBe(false);
		expect(checkValue({FeatureName: 'v', FeatureType: 'Fractional', CollectionType: 'Vector', CollectionConfig: {VectorConfig: {Dimension: 3}}}, ['1', '2']).ok).toBe(false);
		expect(checkValue({FeatureName: 'x', FeatureType: 'String'}, ['a']).ok).toBe(false);
	});
});

describe('event time', () => {
	it('accepts SageMaker\'s two ISO-8601 forms and epoch seconds', () => {
		expect(eventTimeMillis('String', '2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12));
		expect(eventTimeMillis('String', '2024-05-01T12:00:00.250Z')).toBe(Date.UTC(2024, 4, 1, 12, 0, 0, 250));
		expect(eventTimeMillis('Fractional', '1700000000.123')).toBe(1_700_000_000_123);
	});

	it('refuses malformed times', () => {
		for (const text of ['2024-05-01', '2024-05-01 12:00:00', '2024-05-01T12:00:00', '2024-02-31T00:00:00Z', '2024-05-01T25:00:00Z', 'yesterday', '2024-05-01T12:00:00.1Z']) {
			expect(eventTimeMillis('String', text), text).toBeUndefined();
		}

		expect(eventTimeMillis('Fractional', 'abc')).toBeUndefined();
	});

	it('formats back', () => {
		expect(formatEventTime('String', Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00Z');
		expect(formatEventTime('String', Date.UTC(2024, 0, 1, 0, 0, 0, 5))).toBe('2024-01-01T00:00:00.005Z');
		expect(formatEventTime('Fractional', 1_700_000_000_500)).toBe('1700000000.5');
	});
});

describe('Unicode', () => {
	// Valid JSON ("\ud800") but no UTF-8 form: Parquet cannot hold it, and it wedged the offline store.
	it('refuses lone surrogates in strings and collection elements, and takes pairs', () => {
		expect(loneSurrogateAt('plain')).toBe(-1);
		expect(loneSurrogateAt('emoji 😀 ok')).toBe(-1);
		expect(loneSurrogateAt('\ud800')).toBe(0);
		expect(loneSurrogateAt('ab\udc00')).toBe(2);
		expect(loneSurrogateAt('😀\ud83d')).toBe(2);
		expect(loneSurrogateAt('\ude00😀')).toBe(0);
		expect(checkString('x\ud800y')).toEqual({ok: false, reason: '"x\\ud800y" is not valid Unicode: a lone surrogate at character 2'});
		expect(checkString('😀')).toEqual({ok: true, value: '😀'});
		expect(checkValue({FeatureName: 'tags', FeatureType: 'String', CollectionType: 'List'}, ['a', '\udfff'])).toMatchObject({ok: false, reason: expect.stringContaining('tags: element "\\udfff" is not valid Unicode')});
	});

	const group = (name: string): FeatureGroup => ({
		FeatureGroupName: name, FeatureGroupArn: '', RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'event_time', CreationTime: new Date(0), FeatureGroupStatus: 'Created',
		FeatureDefinitions: [{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}, {FeatureName: 'note', FeatureType: 'String'}],
	});

	it('refuses them in identifiers and values as PutRecord does, and so fails such a record of a migration', () => {
		const time = '2024-01-01T00:00:00Z';
		expect(checkRecord(group('g'), {id: '\ud800', event_time: time})).toMatchObject({ok: false, reason: expect.stringContaining('id: "\\ud800" is not valid Unicode')});
		const toTarget = makeTargetRecords(checkCompatibility(group('source'), group('target')), group('target'));
		expect(toTarget({id: 'a', event_time: time, note: 'fine ✓'})).toMatchObject({ok: true});
		expect(toTarget({id: 'a', event_time: time, note: 'half \udbff'})).toEqual({ok: false, code: 'ValidationError', reason: 'note: "half \\udbff" is not valid Unicode: a lone surrogate at character 6'});
	});
});

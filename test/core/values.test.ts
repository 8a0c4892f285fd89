import {describe, expect, it} from 'vitest';
import {checkFractional, checkIntegral, checkValue, eventTimeMillis, exactInteger, formatEventTime} from '../../source/core/values.js';

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

import {describe, expect, it} from 'vitest';
import {Samples} from '../../source/engine/samples.js';

const rec = (version: number) => ({id: 'a', version: String(version)});

describe('verification samples (what the online store should end with)', () => {
	it('keeps the first record of an event time, and takes a later one', () => {
		const samples = new Samples(5);
		samples.add('a', 1000, rec(0));
		samples.add('a', 1000, rec(1));
		expect(samples.get('a')).toEqual(rec(0));
		samples.add('a', 999, rec(2));
		expect(samples.get('a')).toEqual(rec(0));
		samples.add('a', 1001, rec(3));
		expect(samples.get('a')).toEqual(rec(3));
	});

	it('follows deletes: a put with the delete\'s event time stays out, a later one comes back', () => {
		const samples = new Samples(5);
		samples.add('a', 1000, rec(0));
		samples.add('a', 2000, null);
		samples.add('a', 2000, rec(1));
		expect(samples.get('a')).toBeNull();
		samples.add('a', 2000, null);
		samples.add('a', 3000, rec(2));
		expect(samples.get('a')).toEqual(rec(2));
	});

	it('ignores rows that failed (not written), and samples at most `limit` identifiers', () => {
		const samples = new Samples(2);
		samples.add('a', 1000, rec(0));
		samples.add('a', 2000, undefined);
		expect(samples.get('a')).toEqual(rec(0));
		samples.add('b', 1000, undefined);
		expect(samples.get('b')).toBeNull();
		samples.add('b', 1000, rec(1));
		expect(samples.get('b')).toEqual(rec(1));
		samples.add('c', 1000, rec(2));
		expect([...samples.keys()]).toEqual(['a', 'b']);
	});
});

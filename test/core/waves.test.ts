import {describe, expect, it} from 'vitest';
import {planWaves} from '../../source/engine/write.js';

/** Items `${id}:${version}` for runs of the given lengths, ids a, b, c, … */
const runs = (...lengths: number[]) => lengths.flatMap((length, run) => Array.from({length}, (_, version) => `${String.fromCodePoint(97 + run)}:${version}`));
const idOf = (item: string) => item.split(':')[0];
const shape = (waves: string[][][]) => waves.map(wave => wave.map(chunk => chunk.length));

describe('write waves (concurrent BatchWriteRecord calls of one writer)', () => {
	it('keeps each identifier\'s run in one chunk where it fits, and fills chunks up to the limit', () => {
		const items = runs(4, 4, 4, 4, 4, 4, 4, 3, 1);
		const waves = planWaves(items, idOf, 25);
		expect(shape(waves)).toEqual([[24, 8]]);
		expect(waves.flat(2)).toEqual(items);
	});

	it('splits a run longer than the limit over chunks of successive waves, in order', () => {
		const items = runs(2, 30, 3);
		const waves = planWaves(items, idOf, 10);
		expect(shape(waves)).toEqual([[2, 10], [10], [10, 3]]);
		expect(waves.flat(2)).toEqual(items);
	});

	it('never puts one identifier in two chunks of a wave, also when it comes back later', () => {
		const items = ['a:0', 'b:0', 'a:1', 'c:0', 'd:0', 'a:2', 'e:0'];
		const waves = planWaves(items, idOf, 2);
		for (const wave of waves) {
			const seen = wave.map(chunk => new Set(chunk.map(idOf)));
			for (const [index, ids] of seen.entries()) {
				for (const other of seen.slice(index + 1)) expect([...ids].filter(id => other.has(id))).toEqual([]);
			}
		}

		expect(waves.flat(2)).toEqual(items);
		expect(waves.flat().every(chunk => chunk.length <= 2)).toBe(true);
		expect(planWaves([], idOf, 25)).toEqual([]);
	});
});

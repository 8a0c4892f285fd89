/**
 * The layering of docs/architecture.md, checked on the source itself: an
 * import across a forbidden arrow, or a cycle among modules, fails here.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cycles, importGraph, importsOf, roomOf, type Edge} from './imports.js';
import {root} from '../helpers/cli.js';

/** For each room, the rooms it must never import (types included). */
const forbidden: Record<string, string[]> = {
	core: ['io', 'stores', 'engine', 'migration', 'emulator', 'ui', 'cli', 'commands', 'entry'],
	io: ['engine', 'migration', 'emulator', 'ui', 'cli', 'commands', 'entry'],
	stores: ['engine', 'migration', 'emulator', 'ui', 'cli', 'commands', 'entry'],
	engine: ['migration', 'emulator', 'ui', 'cli', 'commands', 'entry'],
	emulator: ['engine', 'migration', 'ui', 'cli', 'commands', 'entry'],
	migration: ['emulator', 'ui', 'cli', 'commands', 'entry'],
	ui: ['cli', 'commands', 'entry'],
	commands: ['entry'],
	cli: ['entry'],
	entry: [],
};

const crossings = (edges: Edge[]) => edges
	.filter(edge => forbidden[roomOf(edge.from)]?.includes(roomOf(edge.to)))
	.map(edge => `${edge.from} → ${edge.to}`);

describe('the source\'s layering', () => {
	const edges = importGraph(path.join(root, 'source'));

	it('reads imports as written: static, re-exports, type-only and dynamic', () => {
		expect(importsOf(`import {a} from './a.js';\nimport type {B} from '../b.js';\nexport {c} from './c.js';\nconst d = await import('../d/e.js');\nimport './side.js';`)).toEqual([
			{specifier: './a.js', typeOnly: false}, {specifier: '../b.js', typeOnly: true}, {specifier: './c.js', typeOnly: false},
			{specifier: '../d/e.js', typeOnly: false}, {specifier: './side.js', typeOnly: false},
		]);
		expect(edges.length).toBeGreaterThan(200);
	});

	it('has every module in a known room', () => {
		expect([...new Set(edges.flatMap(edge => [roomOf(edge.from), roomOf(edge.to)]))].filter(room => !(room in forbidden)).sort()).toEqual([]);
	});

	it('never imports across a forbidden arrow', () => {
		expect(crossings(edges)).toEqual([]);
	});

	it('fails on a deliberately wrong import', () => {
		const wrong: Edge = {from: path.join('engine', 'migrate'), to: path.join('ui', 'format'), typeOnly: true};
		expect(crossings([wrong])).toEqual([`${wrong.from} → ${wrong.to}`]);
	});

	it('has no import cycle among modules', () => {
		expect(cycles(edges).map(cycle => cycle.join(' → '))).toEqual([]);
		expect(cycles([{from: 'a', to: 'b', typeOnly: false}, {from: 'b', to: 'a', typeOnly: false}])).toEqual([['a', 'b', 'a']]);
	});
});

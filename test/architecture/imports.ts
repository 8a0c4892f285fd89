/**
 * The source's import graph, read from the files: which module imports which
 * (relative imports only; `import type` kept apart, as it leaves no trace at
 * run time), and the room (top folder under source/) of each.
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';

export interface Edge {
	from: string;
	to: string;
	typeOnly: boolean;
}

const pattern = /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every .ts/.tsx file under `dir`, relative to it. */
export function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {recursive: true, encoding: 'utf8'}).filter(file => /\.tsx?$/.test(file) && !file.endsWith('.d.ts')).sort();
}

/** The imports of one file's text, as specifiers with whether they are type-only. */
export function importsOf(text: string): Array<{specifier: string; typeOnly: boolean}> {
	const found: Array<{specifier: string; typeOnly: boolean}> = [];
	for (const match of text.matchAll(pattern)) {
		const specifier = match[3] ?? match[4]!;
		found.push({specifier, typeOnly: match[2] !== undefined});
	}

	return found;
}

/** The graph of relative imports between the files under `dir`. */
export function importGraph(dir: string): Edge[] {
	const edges: Edge[] = [];
	for (const file of sourceFiles(dir)) {
		for (const {specifier, typeOnly} of importsOf(readFileSync(path.join(dir, file), 'utf8'))) {
			if (!specifier.startsWith('.')) continue;
			const to = path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, '');
			edges.push({from: file.replace(/\.tsx?$/, ''), to, typeOnly});
		}
	}

	return edges;
}

/** A module's room: its top folder under source/ (`cli.ts` itself is the entry). */
export const roomOf = (module: string) => (module.includes(path.sep) ? module.split(path.sep)[0]! : 'entry');

/** The cycles among value imports, each as the modules around it. */
export function cycles(edges: Edge[]): string[][] {
	const next = new Map<string, string[]>();
	for (const edge of edges) if (!edge.typeOnly) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
	const found: string[][] = [];
	const state = new Map<string, 'open' | 'done'>();
	const stack: string[] = [];
	const visit = (node: string) => {
		state.set(node, 'open');
		stack.push(node);
		for (const to of next.get(node) ?? []) {
			if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to]);
			else if (!state.has(to)) visit(to);
		}

		stack.pop();
		state.set(node, 'done');
	};

	for (const node of [...next.keys()].sort()) if (!state.has(node)) visit(node);
	return found;
}

/**
 * A streaming reader for a JSON array of flat objects — `fs export --format
 * json` output, or any file like it. Memory holds one object at a time, and
 * numbers keep their exact text (JSON.parse would round 2^63 - 1).
 */
import {usageError} from '../core/errors.js';

/** A number literal, kept as its text. */
export class JsonNumber {
	constructor(readonly text: string) {}
}

export type JsonScalar = string | JsonNumber | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | {[key: string]: JsonValue};

export interface JsonItem {
	/** 1-based line where the object starts. */
	line: number;
	/** 0-based position in the array. */
	index: number;
	value: JsonValue;
}

/** Objects of a top-level JSON array, from a stream of text chunks. */
export async function * readJsonArray(chunks: AsyncIterable<string>, file: string): AsyncGenerator<JsonItem> {
	let buffer = '';
	let position = 0;
	let line = 1;
	let state: 'start' | 'items' | 'end' = 'start';
	let index = 0;
	let expectComma = false;
	const fail = (what: string): never => {
		throw usageError(`${file} line ${line}: ${what}.`, 'The file must be one JSON array of flat objects, as `fs export --format json` writes.');
	};

	const skipSpace = () => {
		while (position < buffer.length && /\s/.test(buffer[position]!)) {
			if (buffer[position] === '\n') line++;
			position++;
		}
	};

	for await (const chunk of chunks) {
		buffer = buffer.slice(position) + chunk;
		position = 0;
		for (;;) {
			skipSpace();
			if (position >= buffer.length) break;
			if (state === 'start') {
				if (buffer[position] !== '[') fail('expected [ at the start');
				position++;
				state = 'items';
				continue;
			}

			if (state === 'end') fail('unexpected text after the closing ]');
			const char = buffer[position]!;
			if (char === ']') {
				position++;
				state = 'end';
				continue;
			}

			if (expectComma) {
				if (char !== ',') fail(`expected , or ] but found ${JSON.stringify(char)}`);
				position++;
				expectComma = false;
				continue;
			}

			const end = valueEnd(buffer, position);
			if (end === undefined) break; // Need more text.
			const text = buffer.slice(position, end);
			const startLine = line;
			const value = parseValue(text, fail);
			for (const c of text) if (c === '\n') line++;
			position = end;
			yield {line: startLine, index: index++, value};
			expectComma = true;
		}
	}

	if (state === 'start') fail('the file is empty or is not a JSON array');
	if (state === 'items') fail('the array is not closed with ]');
}

/** End of the JSON value starting at `start`, or undefined if the buffer ends first. */
function valueEnd(text: string, start: number): number | undefined {
	const first = text[start]!;
	if (first === '{' || first === '[') {
		let depth = 0;
		let i = start;
		while (i < text.length) {
			const char = text[i]!;
			if (char === '"') {
				const close = stringEnd(text, i);
				if (close === undefined) return undefined;
				i = close;
				continue;
			}

			if (char === '{' || char === '[') depth++;
			if ((char === '}' || char === ']') && --depth === 0) return i + 1;
			i++;
		}

		return undefined;
	}

	if (first === '"') return stringEnd(text, start);
	const match = /^[^\s,\]}]+/.exec(text.slice(start, start + 400));
	if (!match || start + match[0].length >= text.length) return undefined;
	return start + match[0].length;
}

function stringEnd(text: string, start: number): number | undefined {
	let i = start + 1;
	while (i < text.length) {
		if (text[i] === '\\') {
			i += 2;
			continue;
		}

		if (text[i] === '"') return i + 1;
		i++;
	}

	return undefined;
}

const numberPattern = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/;

/** Parse one complete JSON value, keeping number literals as text. */
export function parseValue(text: string, fail: (what: string) => never): JsonValue {
	let i = 0;
	const space = () => {
		while (i < text.length && /\s/.test(text[i]!)) i++;
	};

	const value = (): JsonValue => {
		space();
		const char = text[i];
		if (char === '{') {
			i++;
			const object: Record<string, JsonValue> = {};
			space();
			if (text[i] === '}') {
				i++;
				return object;
			}

			for (;;) {
				space();
				if (text[i] !== '"') fail('expected a quoted key');
				const key = string();
				space();
				if (text[i] !== ':') fail(`expected : after ${JSON.stringify(key)}`);
				i++;
				object[key] = value();
				space();
				if (text[i] === ',') {
					i++;
					continue;
				}

				if (text[i] === '}') {
					i++;
					return object;
				}

				fail('expected , or } in an object');
			}
		}

		if (char === '[') {
			i++;
			const array: JsonValue[] = [];
			space();
			if (text[i] === ']') {
				i++;
				return array;
			}

			for (;;) {
				array.push(value());
				space();
				if (text[i] === ',') {
					i++;
					continue;
				}

				if (text[i] === ']') {
					i++;
					return array;
				}

				fail('expected , or ] in an array');
			}
		}

		if (char === '"') return string();
		for (const [word, result] of [['true', true], ['false', false], ['null', null]] as const) {
			if (text.startsWith(word, i)) {
				i += word.length;
				return result;
			}
		}

		const match = numberPattern.exec(text.slice(i));
		if (!match) return fail(`unexpected ${JSON.stringify(text.slice(i, i + 10))}`);
		i += match[0].length;
		return new JsonNumber(match[0]);
	};

	const string = (): string => {
		const end = stringEnd(text, i);
		if (end === undefined) return fail('unterminated string');
		try {
			const parsed = JSON.parse(text.slice(i, end)) as string;
			i = end;
			return parsed;
		} catch {
			return fail('invalid string escape');
		}
	};

	const result = value();
	space();
	if (i !== text.length) fail('unexpected text after a value');
	return result;
}

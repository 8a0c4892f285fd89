/** Checking flag values, with messages that name the flag and the fix. */
import {usageError} from '../core/errors.js';

export function integerFlag(value: unknown, flag: string, {min = 1, max = Number.MAX_SAFE_INTEGER} = {}): number | undefined {
	if (value === undefined) return undefined;
	const text = String(value).trim();
	const number = Number(text);
	if (text === '' || !/^[+-]?\d+$/.test(text) || number < min || number > max) {
		throw usageError(
			`${flag} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got ${JSON.stringify(String(value))}.`,
			`Pass e.g. ${flag} ${Math.max(min, Math.min(100, max))}.`,
		);
	}

	return number;
}

export function choiceFlag<T extends string>(value: unknown, flag: string, choices: readonly T[]): T | undefined {
	if (value === undefined) return undefined;
	if (!choices.includes(value as T)) {
		throw usageError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}.`, `Pass e.g. ${flag} ${choices[0]}.`);
	}

	return value as T;
}

export function listFlag(value: unknown, flag: string): string[] | undefined {
	if (value === undefined) return undefined;
	const items = String(value).split(',').map(item => item.trim()).filter(Boolean);
	if (items.length === 0) throw usageError(`${flag} is empty.`, `Pass names separated by commas, e.g. ${flag} a,b.`);
	return items;
}

/** `-o table|json`, with --json as a shorthand for -o json. */
export function outputFlag(flags: Record<string, unknown>, choices: readonly string[] = ['table', 'json']): string {
	if (flags['json'] === true) return 'json';
	return choiceFlag(flags['output'], '--output', choices) ?? choices[0]!;
}

export const outputSpec = {output: {type: 'string', shortFlag: 'o'}} as const;

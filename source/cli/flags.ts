/**
 * Flags declared once, typed: a command lists each flag's type, default,
 * range or choices (and the environment variable that stands in for it),
 * and its run function receives the values parsed and checked here, with
 * messages that name the flag and the fix. meow only splits argv.
 */
import {usageError} from '../core/errors.js';

interface Common {
	/** One letter: -y. */
	short?: string;
	/** Taken from this environment variable when the flag is not given. */
	env?: string;
}

export interface StringFlag extends Common {
	type: 'string';
	default?: string;
	/** The values allowed. */
	choices?: readonly string[];
}

export interface BooleanFlag extends Common {
	type: 'boolean';
	default: boolean;
}

export interface IntegerFlag extends Common {
	type: 'integer';
	default?: number;
	min?: number;
	max?: number;
}

/** A share from 0 to 1. */
export interface RateFlag extends Common {
	type: 'rate';
	default: number;
}

/** Names separated by commas. */
export interface ListFlag extends Common {
	type: 'list';
}

export type FlagDef = StringFlag | BooleanFlag | IntegerFlag | RateFlag | ListFlag;
export type FlagDefs = Record<string, FlagDef>;

type Value<D> = D extends BooleanFlag ? boolean
	: D extends RateFlag ? number
	: D extends ListFlag ? string[] | undefined
	: D extends {type: 'integer'; default: number} ? number
	: D extends IntegerFlag ? number | undefined
	: D extends {choices: ReadonlyArray<infer C>; default: string} ? C
	: D extends {choices: ReadonlyArray<infer C>} ? C | undefined
	: D extends {default: string} ? string
	: string | undefined;

export type FlagValues<D extends FlagDefs> = {readonly [K in keyof D]: Value<D[K]>};

/** The flag as typed on the command line: batchSize → --batch-size. */
export const flagName = (key: string) => `--${key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;

/** What meow needs to split argv: every value as text, booleans as booleans. */
export function meowFlags(defs: FlagDefs): Record<string, {type: 'string' | 'boolean'; shortFlag?: string; default?: boolean}> {
	return Object.fromEntries(Object.entries(defs).map(([key, def]) => [key, {
		type: def.type === 'boolean' ? 'boolean' : 'string',
		...(def.short ? {shortFlag: def.short} : {}),
		...(def.type === 'boolean' ? {default: def.default} : {}),
	}]));
}

export interface Parsed<D extends FlagDefs> {
	values: FlagValues<D>;
	/** The flags given on the command line (not defaulted, not from the environment). */
	given: ReadonlySet<string>;
}

/** meow's raw values → typed values; a value out of its type or range is a usage error naming the flag. */
export function parseFlags<D extends FlagDefs>(defs: D, raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Parsed<D> {
	const values: Record<string, unknown> = {};
	const given = new Set<string>();
	for (const [key, def] of Object.entries(defs)) {
		let value = raw[key];
		if (def.type === 'boolean') {
			values[key] = typeof value === 'boolean' ? value : def.default;
			if (typeof value === 'boolean' && value !== def.default) given.add(key);
			continue;
		}

		if (value !== undefined) given.add(key);
		else if (def.env && env[def.env] !== undefined && env[def.env] !== '') value = env[def.env];
		values[key] = parseValue(def, value, flagName(key));
	}

	return {values: values as FlagValues<D>, given};
}

function parseValue(def: Exclude<FlagDef, BooleanFlag>, value: unknown, flag: string): unknown {
	switch (def.type) {
		case 'integer': return integerValue(value, flag, def) ?? def.default;
		case 'rate': return value === undefined ? def.default : rateValue(value, flag);
		case 'list': return listValue(value, flag);
		case 'string': {
			if (value === undefined) return def.default;
			if (def.choices && !def.choices.includes(String(value))) {
				throw usageError(value === '' ? `${flag} needs a value: one of ${def.choices.join(', ')}.` : `${flag} must be one of ${def.choices.join(', ')}, got ${JSON.stringify(value)}.`, `Pass e.g. ${flag} ${def.choices[0]}.`);
			}

			return String(value);
		}
	}
}

/** A whole number from `min` to `max`; undefined stays undefined. */
export function integerValue(value: unknown, flag: string, {min = 1, max = Number.MAX_SAFE_INTEGER}: {min?: number; max?: number} = {}): number | undefined {
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

function rateValue(value: unknown, flag: string): number {
	const text = String(value).trim();
	const rate = Number(text);
	if (text === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
		throw usageError(`${flag} must be a number from 0 to 1, got ${JSON.stringify(String(value))}.`, `Pass a share of requests, e.g. ${flag} 0.1.`);
	}

	return rate;
}

function listValue(value: unknown, flag: string): string[] | undefined {
	if (value === undefined) return undefined;
	const items = String(value).split(',').map(item => item.trim()).filter(Boolean);
	if (items.length === 0) throw usageError(`${flag} is empty.`, `Pass names separated by commas, e.g. ${flag} a,b.`);
	return items;
}

/** `-o table|json`, with --json (a global flag) as a shorthand for -o json. */
export const outputFlags = {output: {type: 'string', short: 'o', choices: ['table', 'json']}} as const satisfies FlagDefs;

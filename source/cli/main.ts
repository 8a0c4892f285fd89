/**
 * The dispatcher: `fs <command> [args] [flags]`. Parses with meow, refuses
 * unknown commands and flags with help (exit 2), runs the command, and maps
 * whatever it throws to an exit code in one place (core/errors).
 */
import {readFileSync} from 'node:fs';
import meow from 'meow';
import {exitCodeFor, explainError, isFsError, usageError} from '../core/errors.js';
import {openStore} from '../stores/open.js';
import type {Store} from '../stores/store.js';
import {colorWanted, makeStyle} from '../ui/style.js';
import {commands} from '../commands/index.js';
import {globalFlags, type Command, type Context, type GlobalValues, type Io} from './command.js';
import {flagName, meowFlags, parseFlags, type FlagDefs, type FlagValues} from './flags.js';
import {programName, shellWord} from '../core/format.js';

export const globalHelp = `
Global options
  --store STORE     sagemaker (default) | local:DIR | local   (env FS_STORE)
  --profile NAME    AWS profile (sagemaker store)
  --region REGION   AWS region (sagemaker store)
  --athena-output S3URI    Athena query results (env FS_ATHENA_OUTPUT; default: the workgroup's)
  --athena-workgroup NAME  Athena workgroup (env FS_ATHENA_WORKGROUP; default primary)
  --json            machine-readable output where the output is data
  --no-color        no colour (also NO_COLOR)
  -h, --help        help for the command
  --version         the version of fs`;

export function version(): string {
	const file = new URL('../../../package.json', import.meta.url);
	return (JSON.parse(readFileSync(file, 'utf8')) as {version: string}).version;
}

function topHelp(): string {
	const width = Math.max(...commands.map(command => command.name.length));
	const list = commands.map(command => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
	return `fs — move feature data between Amazon SageMaker Feature Store feature groups

Usage
  fs <command> [arguments] [options]
  fs <command> --help

Commands
${list}
${globalHelp}

Start with a demo store:  fs demo`;
}

export async function main(argv: string[], io: Io): Promise<number> {
	const errStyle = makeStyle(colorWanted(io.stderr, argv.includes('--no-color') ? false : undefined, io.env));
	const say = (text: string) => io.stderr.write(`${text}\n`);
	try {
		const [name, ...rest] = argv;
		if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
			io.stdout.write(`${topHelp()}\n`);
			return 0;
		}

		if (name === '--version' || name === '-v') {
			io.stdout.write(`${version()}\n`);
			return 0;
		}

		const command = commands.find(candidate => candidate.name === name);
		if (!command) {
			say(`${topHelp()}\n`);
			const near = closest(name, commands.map(candidate => candidate.name));
			throw usageError(`Unknown command ${JSON.stringify(name)}.`, near ? `Did you mean \`fs ${near}\`?` : 'Pick one of the commands above.');
		}

		return await runCommand(command, rest, io);
	} catch (error) {
		reportError(error, say, errStyle);
		return exitCodeFor(error);
	}
}

async function runCommand(command: Command, argv: string[], io: Io): Promise<number> {
	const spec = specOf(command);
	const unknown = unknownFlags(argv, spec);
	if (unknown.length > 0) {
		io.stderr.write(`${command.help.trim()}\n${globalHelp}\n\n`);
		throw unknownOptions(command, unknown, 'See the options above.');
	}

	const cli = splitArgv(spec, argv);
	const {raw} = cli;
	if (raw['help'] === true) {
		io.stdout.write(`${command.help.trim()}\n${globalHelp}\n`);
		return 0;
	}

	if (raw['version'] === true) {
		io.stdout.write(`${version()}\n`);
		return 0;
	}

	const [min, max] = command.args;
	if (cli.input.length < min || cli.input.length > max) {
		io.stderr.write(`${command.help.trim()}\n\n`);
		throw usageError(
			cli.input.length < min
				? `\`fs ${command.name}\` needs ${min} argument${min > 1 ? 's' : ''}, got ${cli.input.length}.`
				: `\`fs ${command.name}\` takes at most ${max} argument${max === 1 ? '' : 's'}, got ${cli.input.length}: ${cli.input.join(' ')}.`,
			'See the usage above.',
		);
	}

	const {values: flags, given} = parseFlags(spec, raw, io.env) as {values: GlobalValues; given: ReadonlySet<string>};
	const line = (extra: string[] = []) => commandLine(command.name, cli.input, flags, given, spec, extra, programName(io.env));
	let store: Store | undefined;
	const {color} = flags;
	const context: Context = {
		command: command.name,
		input: cli.input,
		flags,
		given,
		commandLine: line,
		io,
		style: makeStyle(colorWanted(io.stdout, color, io.env)),
		errStyle: makeStyle(colorWanted(io.stderr, color, io.env)),
		interactive: io.stdin.isTTY === true && io.stdout.isTTY === true,
		print: text => io.stdout.write(`${text ?? ''}\n`),
		note: text => io.stderr.write(`${text ?? ''}\n`),
		json: value => io.stdout.write(`${JSON.stringify(value, undefined, 2)}\n`),
		async store() {
			store ??= await openStore({
				spec: flags.store,
				profile: flags.profile,
				region: flags.region,
				athenaOutput: flags.athenaOutput,
				athenaWorkgroup: flags.athenaWorkgroup,
				env: io.env,
			}, {mustExist: command.makesStore !== true});
			return store;
		},
	};
	try {
		await command.run(context as never);
		return 0;
	} finally {
		await store?.close();
	}
}

/** The flags `command` takes: the global ones and its own. */
const specOf = (command: Command<FlagDefs>): FlagDefs => ({...globalFlags, ...command.flags});

const unknownOptions = (command: Command<FlagDefs>, unknown: string[], remedy: string) =>
	usageError(`Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for \`fs ${command.name}\`.`, remedy);

/** argv → the positional arguments and meow's raw flag values. */
function splitArgv(spec: FlagDefs, argv: string[]): {input: string[]; raw: Record<string, unknown>} {
	const cli = meow({
		importMeta: import.meta,
		argv,
		flags: meowFlags(spec) as never,
		allowUnknownFlags: true,
		autoHelp: false,
		autoVersion: false,
		description: false,
		help: false,
	});
	return {input: cli.input, raw: cli.flags as Record<string, unknown>};
}

/**
 * argv as `command` receives it: its arguments, its flags parsed and checked,
 * and which were given. What a printed command line is checked against
 * (test/cli/command-lines.test.ts).
 */
export function parseArguments<D extends FlagDefs>(command: Command<D>, argv: string[], env: NodeJS.ProcessEnv = {}): {input: string[]; flags: GlobalValues & FlagValues<D>; given: ReadonlySet<string>} {
	const spec = specOf(command);
	const unknown = unknownFlags(argv, spec);
	if (unknown.length > 0) throw unknownOptions(command, unknown, `See \`fs ${command.name} --help\`.`);
	const {input, raw} = splitArgv(spec, argv);
	const {values, given} = parseFlags(spec, raw, env);
	return {input, flags: values as GlobalValues & FlagValues<D>, given};
}

/**
 * `fs NAME …` for the shell with every flag given (not those defaulted or
 * from the environment), each word quoted as it needs; `extra` appended.
 */
export function commandLine(name: string, input: readonly string[], flags: Record<string, unknown>, given: ReadonlySet<string>, spec: FlagDefs, extra: string[] = [], program = 'fs'): string {
	const words = [name, ...input];
	for (const [key, def] of Object.entries(spec)) {
		if (!given.has(key)) continue;
		const value = flags[key];
		if (def.type === 'boolean') words.push(value ? flagName(key) : `--no-${flagName(key).slice(2)}`);
		else if (Array.isArray(value)) words.push(flagName(key), value.join(','));
		else if (value !== undefined) words.push(flagName(key), String(value));
	}

	return [program, ...[...words, ...extra].map(shellWord)].join(' ');
}

/** Flags in argv that the spec does not know (before a `--`). */
export function unknownFlags(argv: string[], spec: FlagDefs): string[] {
	const known = new Set<string>();
	const shorts = new Set<string>();
	for (const [key, flag] of Object.entries(spec)) {
		const name = flagName(key).slice(2);
		known.add(name);
		if (flag.short) shorts.add(flag.short);
		if (flag.type === 'boolean') known.add(`no-${name}`);
	}

	const unknown: string[] = [];
	for (const token of argv) {
		if (token === '--') break;
		if (token.startsWith('--')) {
			const name = token.slice(2).split('=')[0]!;
			if (!known.has(name)) unknown.push(`--${name}`);
		} else if (/^-[a-zA-Z]/.test(token)) {
			for (const letter of token.slice(1).split('=')[0]!) {
				if (!shorts.has(letter)) unknown.push(`-${letter}`);
			}
		}
	}

	return unknown;
}

export function reportError(thrown: unknown, say: (text: string) => void, style: ReturnType<typeof makeStyle>) {
	const error = isFsError(thrown) ? thrown : explainError(thrown) ?? thrown;
	if (isFsError(error)) {
		say(`${style.red('✘')} ${error.message}`);
		if (error.remedy) say(`  ${style.dim('→')} ${error.remedy}`);
		return;
	}

	const message = error instanceof Error ? error.message : String(error);
	say(`${style.red('✘')} Unexpected error: ${message}`);
	if (error instanceof Error && error.stack && process.env['FS_DEBUG']) say(error.stack);
	say(`  ${style.dim('→')} This is a bug in fs if it keeps happening; run with FS_DEBUG=1 for the stack trace.`);
}

function closest(word: string, options: string[]): string | undefined {
	let best: string | undefined;
	let bestDistance = 3;
	for (const option of options) {
		const distance = levenshtein(word, option);
		if (distance < bestDistance) {
			best = option;
			bestDistance = distance;
		}
	}

	return best;
}

function levenshtein(a: string, b: string): number {
	const row = Array.from({length: b.length + 1}, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		let previous = row[0]!;
		row[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const current = row[j]!;
			row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
			previous = current;
		}
	}

	return row[b.length]!;
}


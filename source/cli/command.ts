/**
 * What a command is: its name, help, flags (declared once, typed: flags.ts)
 * and a run function that gets a Context with the parsed values. Commands
 * never call process.exit; they return or throw an FsError, and main.ts maps
 * that to the exit code.
 */
import type {Store} from '../stores/store.js';
import type {Style} from '../ui/style.js';
import type {FlagDefs, FlagValues} from './flags.js';

/** The flags every command takes. */
export const globalFlags = {
	store: {type: 'string', env: 'FS_STORE'},
	profile: {type: 'string'},
	region: {type: 'string'},
	athenaOutput: {type: 'string', env: 'FS_ATHENA_OUTPUT'},
	athenaWorkgroup: {type: 'string', env: 'FS_ATHENA_WORKGROUP'},
	color: {type: 'boolean', default: true},
	json: {type: 'boolean', default: false},
	help: {type: 'boolean', short: 'h', default: false},
	version: {type: 'boolean', default: false},
} as const satisfies FlagDefs;

export type GlobalValues = FlagValues<typeof globalFlags>;

export interface Io {
	stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number; rows?: number};
	stderr: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	stdin: NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};
	env: NodeJS.ProcessEnv;
	cwd: string;
}

export interface Context<F extends GlobalValues = GlobalValues> {
	readonly command: string;
	readonly input: string[];
	/** The global and the command's flags, parsed and defaulted. */
	readonly flags: F;
	/** The flags given on the command line (not defaulted). */
	readonly given: ReadonlySet<string>;
	/** This command as typed, for the shell: arguments and every flag given, quoted; `extra` appended. */
	commandLine(extra?: string[]): string;
	readonly io: Io;
	/** Colour for stdout. */
	readonly style: Style;
	/** Colour for stderr (messages, progress). */
	readonly errStyle: Style;
	/** stdin and stdout are a terminal: prompts and live views are allowed. */
	readonly interactive: boolean;
	/** Write a line to stdout. */
	print(text?: string): void;
	/** Write a line to stderr: progress, notices, what to do next. */
	note(text?: string): void;
	/** Write data as JSON to stdout. */
	json(value: unknown): void;
	/** The store named by --store / FS_STORE; closed after the command. */
	store(): Promise<Store>;
}

export interface Command<D extends FlagDefs = FlagDefs> {
	name: string;
	/** One line for `fs --help`. */
	summary: string;
	/** Usage, options and examples for `fs <command> --help`. */
	help: string;
	flags: D;
	/** How many positional arguments: [min, max]. */
	args: [number, number];
	/** It may make the embedded store it names (create, demo, emulator); others refuse a directory that is not one. */
	makesStore?: boolean;
	run(context: Context<GlobalValues & FlagValues<D>>): Promise<void>;
}

/** A command, its flags' literal types kept for its run function. */
export const defineCommand = <const D extends FlagDefs>(command: Command<D>): Command<D> => command;

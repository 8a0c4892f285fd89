/**
 * What a command is: its name, help, flags (meow's flag spec) and a run
 * function that gets a Context. Commands never call process.exit; they return
 * or throw an FsError, and main.ts maps that to the exit code.
 */
import type {Store} from '../stores/store.js';
import type {Style} from '../ui/style.js';

export interface FlagSpec {
	type: 'string' | 'boolean' | 'number';
	shortFlag?: string;
	default?: unknown;
	isMultiple?: boolean;
	aliases?: string[];
}

export type Flags = Record<string, FlagSpec>;

export interface Io {
	stdout: NodeJS.WritableStream & {isTTY?: boolean; columns?: number; rows?: number};
	stderr: NodeJS.WritableStream & {isTTY?: boolean; columns?: number};
	stdin: NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};
	env: NodeJS.ProcessEnv;
	cwd: string;
}

export interface Context {
	readonly command: string;
	readonly input: string[];
	readonly flags: Record<string, unknown>;
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

export interface Command {
	name: string;
	/** One line for `fs --help`. */
	summary: string;
	/** Usage, options and examples for `fs <command> --help`. */
	help: string;
	flags: Flags;
	/** How many positional arguments: [min, max]. */
	args: [number, number];
	run(context: Context): Promise<void>;
}

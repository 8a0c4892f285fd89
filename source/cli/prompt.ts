/**
 * Confirmation before destructive work. On a terminal: type the name to
 * confirm (✔ Confirmed / ✘ Cancelled). Anywhere else, refused unless --yes.
 */
import {createInterface} from 'node:readline/promises';
import {FsError, usageError} from '../core/errors.js';
import type {Context, GlobalValues} from './command.js';

/**
 * `action` names what is confirmed ("Clearing x"); `detail` says what it does;
 * `again` is the command to run with --yes (every option given, quoted).
 */
export async function confirmByTyping(context: Context<GlobalValues & {readonly yes: boolean}>, expected: string, action: string, detail: string, again?: string): Promise<void> {
	if (context.flags.yes === true) return;
	if (!context.interactive) {
		throw usageError(
			`${action} needs confirmation (${detail}), and there is no terminal to ask on.`,
			`Run it on a terminal, or pass --yes to confirm in a script: ${again ?? context.commandLine(['--yes'])}`,
		);
	}

	const {style} = context;
	const rl = createInterface({input: context.io.stdin, output: context.io.stderr});
	try {
		const answer = await rl.question(`${style.yellow('⚠')} ${detail}. Type ${style.bold(expected)} to confirm: `);
		if (answer.trim() !== expected) {
			context.note(`${style.red('✘')} Cancelled`);
			throw new FsError('usage', 'Cancelled: nothing was changed.', undefined, 'Cancelled');
		}

		context.note(`${style.green('✔')} Confirmed`);
	} finally {
		rl.close();
	}
}

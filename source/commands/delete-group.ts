import {defineCommand} from '../cli/command.js';
import {confirmByTyping} from '../cli/prompt.js';
import {runtimeError} from '../core/errors.js';
import {count} from '../core/format.js';
import {checkFeatureGroupName} from '../core/names.js';
import {hasOfflineStore, hasOnlineStore} from '../core/types.js';
import {describeStore} from '../stores/open.js';
import type {Store} from '../stores/store.js';

export const deleteGroupCommand = defineCommand({
	name: 'delete-group',
	summary: 'delete a feature group (DeleteFeatureGroup)',
	args: [1, 1],
	flags: {
		yes: {type: 'boolean', short: 'y', default: false},
		wait: {type: 'boolean', default: true},
	},
	help: `
Usage
  fs delete-group FEATURE_GROUP [--yes] [--no-wait]

Deletes the feature group as DeleteFeatureGroup does: it is Deleting, then
gone, and its online records with it. Its offline store's files stay in S3
(the service leaves them; \`fs clear --offline-only\` first removes them), and
so does the Glue table on AWS.

On a terminal it asks you to type the group's name; in a script pass --yes.
It waits until the group is gone (--no-wait: only starts the deletion).

Examples
  fs delete-group customer-profile-v2
  fs delete-group customer-profile-v2 --yes --json`,
	async run(context) {
		const {flags} = context;
		const name = checkFeatureGroupName(context.input[0]!);
		const store = await context.store();
		const group = await store.describeFeatureGroup(name);
		const online = hasOnlineStore(group) ? await store.countOnline(name) : undefined;
		const what = hasOnlineStore(group) ? (online === undefined ? 'its online records' : `its ${count(online)} online record${online === 1 ? '' : 's'}`) : undefined;
		const kept = hasOfflineStore(group) ? ` Its offline files stay in ${group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri}.` : '';
		context.note(`${name} (${group.FeatureGroupStatus}) in ${describeStore(store)}.${kept}`);
		await confirmByTyping(context, name, `Deleting ${name}`, `the group is deleted${what ? `, ${what} with it` : ''}; this cannot be undone`);
		await store.deleteFeatureGroup(name);
		if (flags.wait !== false) await waitUntilGone(store, name, text => context.note(context.errStyle.dim(text)));
		if (flags.json === true) {
			context.json({FeatureGroupName: name, status: flags.wait === false ? 'Deleting' : 'Deleted', onlineRecordsDeleted: online ?? null, offlineFilesKept: hasOfflineStore(group)});
			return;
		}

		context.print(`${context.style.green('✔')} ${name} ${flags.wait === false ? 'is Deleting' : 'deleted'}.${kept}`);
	},
});

/** Until describe says the group is gone (ResourceNotFound), at most `timeoutMs`. */
async function waitUntilGone(store: Store, name: string, progress: (text: string) => void, timeoutMs = 15 * 60_000): Promise<void> {
	const started = Date.now();
	let delay = 250;
	let said = false;
	for (;;) {
		try {
			const group = await store.describeFeatureGroup(name);
			if (group.FeatureGroupStatus === 'DeleteFailed') throw runtimeError(`${name} could not be deleted${group.FailureReason ? `: ${group.FailureReason}` : ''}.`, 'Fix the cause, then run `fs delete-group` again.');
		} catch (error) {
			if ((error as {code?: string}).code === 'ResourceNotFound') return;
			throw error;
		}

		if (Date.now() - started > timeoutMs) throw runtimeError(`${name} is still Deleting after ${Math.round(timeoutMs / 60_000)} minutes.`, 'Check it later with `fs list`.');
		if (!said) progress(`waiting for ${name} to be gone…`);
		said = true;
		await new Promise(resolve => setTimeout(resolve, delay));
		delay = Math.min(delay * 2, 5000);
	}
}

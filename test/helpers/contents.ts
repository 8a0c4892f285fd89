/**
 * Everything a group of the embedded store holds, to compare two targets:
 * its online records (soft-deleted ones as 'deleted') and its offline rows
 * as sorted lines, write and API times left out (they differ run to run).
 */
import type {FsRecord} from '../../source/core/types.js';
import {LocalStore} from '../../source/stores/local/index.js';

export interface Contents {
	online: Record<string, FsRecord | 'deleted'>;
	offline: string[];
}

export async function storeContents(store: LocalStore | string, name: string): Promise<Contents> {
	const opened = typeof store === 'string' ? new LocalStore(store) : store;
	try {
		const online: Record<string, FsRecord | 'deleted'> = {};
		for await (const page of opened.listRecordIdentifiers(name, {includeSoftDeleted: true})) {
			for (const id of page) online[id] = await opened.getRecord(name, id) ?? 'deleted';
		}

		const offline: string[] = [];
		const group = await opened.describeFeatureGroup(name);
		if (!group.OfflineStoreConfig) return {online, offline};
		for await (const batch of opened.readOffline(name, {mode: 'history', includeMetadata: true})) {
			const columns = batch.names.flatMap((column, index) => (column === 'write_time' || column === 'api_invocation_time' ? [] : [index]));
			for (let row = 0; row < batch.length; row++) offline.push(JSON.stringify(columns.map(index => batch.columns[index]![row])));
		}

		return {online, offline: offline.sort()};
	} finally {
		if (typeof store === 'string') await opened.close();
	}
}

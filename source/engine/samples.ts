/**
 * The records a few sampled identifiers should end with online, for the
 * verification after a migration. Each row of an identifier's history goes,
 * in order, through the online store's rule (docs/service.md): a record or a
 * delete takes the place of the one held only with a later event time (a
 * delete also lands on a deleted record); a row that failed was not written
 * and changes nothing. So two puts with one event time leave the first.
 */
import type {TargetRecord} from '../core/cast.js';
import {featureOf, type FeatureGroup, type FeatureType, type FsRecord} from '../core/types.js';
import {eventTimeMillis} from '../core/values.js';
import type {WireRow} from './protocol.js';

export class Samples extends Map<string, FsRecord | null> {
	private readonly times = new Map<string, number>();

	constructor(private readonly limit: number) {
		super();
	}

	/**
	 * One more row of `id`'s history. `outcome`: the record written, null for
	 * a delete, undefined when the row failed. A value null means nothing to
	 * compare (deleted, or nothing written yet).
	 */
	add(id: string, eventTime: number | undefined, outcome: FsRecord | null | undefined): void {
		if (!this.has(id)) {
			if (this.size >= this.limit) return;
			this.set(id, null);
		}

		if (outcome === undefined || eventTime === undefined) return;
		const held = this.times.get(id);
		if (held !== undefined && !(eventTime > held || (outcome === null && this.get(id) === null))) return;
		this.times.set(id, eventTime);
		this.set(id, outcome);
	}

	/**
	 * A source row as it goes to the target (`toTarget`: cast and checked as
	 * the writers do), for an identifier held or while there is room.
	 */
	addRow(row: WireRow, source: FeatureGroup, toTarget: (record: FsRecord) => TargetRecord): void {
		const id = row.record[source.RecordIdentifierFeatureName];
		if (typeof id !== 'string' || (!this.has(id) && this.size >= this.limit)) return;
		const target = row.deleted ? undefined : toTarget(row.record);
		const eventTime = rowEventTime(featureOf(source, source.EventTimeFeatureName)?.FeatureType, row.record[source.EventTimeFeatureName]);
		this.add(id, eventTime, row.deleted ? null : target?.ok ? target.record : undefined);
	}
}

/** A source row's event time in milliseconds (undefined when it is not one). */
const rowEventTime = (type: FeatureType | undefined, value: unknown) =>
	(type && typeof value === 'string' ? eventTimeMillis(type, value) : undefined);

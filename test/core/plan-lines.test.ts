/**
 * The plan's lines on how the offline history goes (core/plan.ts): on the
 * guided review every line is cut at the width, so the compact ones carry
 * their reason within 78 columns (80 less the app's margins).
 */
import {describe, expect, it} from 'vitest';
import {checkCompatibility} from '../../source/core/compat.js';
import {compactPlanLines, copyLines, makePlan, planLines, type Plan} from '../../source/core/plan.js';
import type {FeatureGroup} from '../../source/core/types.js';

const group = (name: string): FeatureGroup => ({
	FeatureGroupName: name, FeatureGroupArn: `arn:aws:sagemaker:us-east-1:000000000000:feature-group/${name}`, RecordIdentifierFeatureName: 'customer_id', EventTimeFeatureName: 'event_time',
	FeatureDefinitions: [{FeatureName: 'customer_id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'}],
	CreationTime: new Date(0), FeatureGroupStatus: 'Created', OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://b/p'}},
});

const plan = (offlineCopy: Plan['offlineCopy']) => makePlan({
	source: group('customer-history'), target: group('customer-history-v2'), choice: {strategy: 'offline_to_online', primary: 'offline', mode: 'history'},
	estimatedRecords: 60_060, batchSize: 100, workers: 4, clearTarget: false, sourceStore: 'sagemaker us-east-1', targetStore: 'sagemaker us-east-1',
	compatibility: checkCompatibility(group('customer-history'), group('customer-history-v2')), offlineCopy, onlineRecords: 12_008,
	cost: {writeUnits: 12_008, sampled: 1000, averageBytes: 300},
});

describe('the plan\'s copy lines', () => {
	it('name the path: server-side, with the identifiers that go through the API, or through the API and why', () => {
		expect(copyLines(plan({path: 'server'}))).toEqual([
			'Offline: copied by Athena (server-side): no row passes through fs',
			'Online: the latest record of each of 12,008 identifiers (TargetStores=OnlineStore)',
		]);
		expect(copyLines(plan({path: 'server', residual: true}), true)).toEqual([
			'Offline: copied by Athena (server-side), except identifiers',
			'  with values SQL cannot cast exactly: all their rows go through the API',
			'Through the API: 12,008 records (those, and each other latest)',
		]);
		const why = 'lifetime_value: Fractional → String (only fs casts it exactly)';
		expect(copyLines(plan({path: 'api', why}))).toEqual([`Offline: through the API (${why})`]);
		expect(copyLines(plan({path: 'api', why}), true)).toEqual(['Offline: through the API, because', `  ${why}`]);
		expect(planLines(plan({path: 'api', why}), {emoji: false})).toContain(`Offline: through the API (${why})`);
	});

	it('fit the guided review\'s 78 columns, the cost lines too', () => {
		for (const copy of [{path: 'server'}, {path: 'server', residual: true}, {path: 'api', why: '--offline-copy api'}] as const) {
			for (const line of compactPlanLines(plan(copy), {emoji: false}).filter(text => /^(Offline|Online|Through|  with|Write)/.test(text))) expect(line.length, line).toBeLessThanOrEqual(78);
		}
	});
});

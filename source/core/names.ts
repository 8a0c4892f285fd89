import {usageError} from './errors.js';

/** SageMaker's patterns (docs/service.md: Feature groups). */
const groupNamePattern = /^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$/;
const featureNamePattern = /^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/;

/** Columns the offline store adds to every row, in the order reads give them; no feature may use them. */
export const metadataColumns = ['write_time', 'api_invocation_time', 'is_deleted'] as const;

/**
 * A winners read's column (ReadMode): 'true' on a row whose history was
 * copied server-side, so it goes to the online store only. No feature can
 * be named so: feature names start with a letter or digit.
 */
export const copiedColumn = '__copied';


export const isReservedFeatureName = (name: string) =>
	(metadataColumns as readonly string[]).includes(name.toLowerCase());

export function checkFeatureGroupName(name: string): string {
	if (!groupNamePattern.test(name) || name.length > 64) {
		throw usageError(
			`Invalid feature group name ${JSON.stringify(name)}.`,
			'Use 1-64 letters, digits, hyphens and underscores, starting and ending with a letter or digit.',
		);
	}

	return name;
}

export function checkFeatureName(name: string): string {
	if (isReservedFeatureName(name)) {
		throw usageError(
			`Feature name ${JSON.stringify(name)} is reserved by the offline store.`,
			`Rename it: ${metadataColumns.join(', ')} are added to every offline row by SageMaker.`,
		);
	}

	if (!featureNamePattern.test(name) || name.length > 64) {
		throw usageError(
			`Invalid feature name ${JSON.stringify(name)}.`,
			'Use 1-64 letters, digits, hyphens and underscores, starting and ending with a letter or digit.',
		);
	}

	return name;
}

/**
 * Schema compatibility between a source and a target feature group (readme:
 * `fs migrate`, Schema): what happens to each feature — copied, cast per
 * value, left empty, dropped — and what makes the migration impossible.
 */
import type {FeatureDefinition, FeatureGroup, FeatureType} from './types.js';

export type FeatureActionKind = 'copy' | 'cast' | 'empty' | 'drop' | 'error';

export interface FeatureAction {
	kind: FeatureActionKind;
	name: string;
	source?: FeatureDefinition;
	target?: FeatureDefinition;
	/** record identifier / event time, when the feature is one in the target. */
	role?: 'record identifier' | 'event time';
	/** Why, in a few words: "cast per value", "left empty", "dropped: data loss". */
	note: string;
}

export interface Compatibility {
	actions: FeatureAction[];
	errors: string[];
	warnings: string[];
	totals: Record<FeatureActionKind, number>;
	/** Some source features have no place in the target. */
	dataLoss: boolean;
}

const typeLabel = (feature: FeatureDefinition) => (feature.CollectionType ? `${feature.CollectionType}<${feature.FeatureType}>` : feature.FeatureType);

/** How a value of one scalar type becomes another: exact always, or checked per value. */
function conversion(from: FeatureType, to: FeatureType): 'same' | 'always' | 'per value' {
	if (from === to) return 'same';
	if (to === 'String') return 'always';
	return 'per value';
}

export function checkCompatibility(source: FeatureGroup, target: FeatureGroup): Compatibility {
	const sourceFeatures = new Map(source.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
	const targetFeatures = new Map(target.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
	const actions: FeatureAction[] = [];
	const errors: string[] = [];
	const warnings: string[] = [];
	const roleOf = (name: string): FeatureAction['role'] => (name === target.RecordIdentifierFeatureName ? 'record identifier' : name === target.EventTimeFeatureName ? 'event time' : undefined);

	for (const targetFeature of target.FeatureDefinitions) {
		const name = targetFeature.FeatureName;
		const role = roleOf(name);
		const sourceFeature = sourceFeatures.get(name);
		if (!sourceFeature) {
			if (role) {
				errors.push(`The target's ${role} ${name} is not a feature of ${source.FeatureGroupName}: every record needs it.`);
				actions.push({kind: 'error', name, target: targetFeature, role, note: `${role} missing in source`});
			} else {
				warnings.push(`${name} is only in the target: it will be left empty.`);
				actions.push({kind: 'empty', name, target: targetFeature, note: 'left empty'});
			}

			continue;
		}

		const base: Pick<FeatureAction, 'name' | 'source' | 'target' | 'role'> = {name, source: sourceFeature, target: targetFeature, ...(role ? {role} : {})};
		if ((sourceFeature.CollectionType ?? '') !== (targetFeature.CollectionType ?? '')) {
			errors.push(`${name} is ${typeLabel(sourceFeature)} in the source and ${typeLabel(targetFeature)} in the target: collections map only to the same collection type.`);
			actions.push({...base, kind: 'error', note: 'collection type differs'});
			continue;
		}

		const how = conversion(sourceFeature.FeatureType, targetFeature.FeatureType);
		if (how === 'same') {
			actions.push({...base, kind: 'copy', note: role ?? ''});
		} else if (role === 'event time') {
			if (targetFeature.FeatureType === 'Integral' || sourceFeature.FeatureType === 'Integral') {
				errors.push(`The event time ${name} cannot go from ${sourceFeature.FeatureType} to ${targetFeature.FeatureType}.`);
				actions.push({...base, kind: 'error', note: 'event time type'});
			} else {
				actions.push({...base, kind: 'cast', note: targetFeature.FeatureType === 'String' ? 'epoch seconds → ISO-8601' : 'ISO-8601 → epoch seconds'});
			}
		} else {
			actions.push({...base, kind: 'cast', note: how === 'always' ? 'cast' : 'cast per value'});
		}
	}

	for (const sourceFeature of source.FeatureDefinitions) {
		if (targetFeatures.has(sourceFeature.FeatureName)) continue;
		warnings.push(`${sourceFeature.FeatureName} is only in the source: its values will be dropped (data loss).`);
		actions.push({kind: 'drop', name: sourceFeature.FeatureName, source: sourceFeature, note: 'dropped: data loss'});
	}

	if (target.RecordIdentifierFeatureName !== source.RecordIdentifierFeatureName && sourceFeatures.has(target.RecordIdentifierFeatureName)) {
		warnings.push(`The record identifier changes from ${source.RecordIdentifierFeatureName} to ${target.RecordIdentifierFeatureName}: records with the same ${target.RecordIdentifierFeatureName} become one.`);
	}

	if (target.EventTimeFeatureName !== source.EventTimeFeatureName && sourceFeatures.has(target.EventTimeFeatureName)) {
		warnings.push(`The event time changes from ${source.EventTimeFeatureName} to ${target.EventTimeFeatureName}.`);
	}

	const totals: Record<FeatureActionKind, number> = {copy: 0, cast: 0, empty: 0, drop: 0, error: 0};
	for (const action of actions) totals[action.kind]++;
	return {actions, errors, warnings, totals, dataLoss: totals.drop > 0};
}

export function typeChange(action: FeatureAction): string {
	if (action.source && action.target && action.kind === 'cast') return `${typeLabel(action.source)} → ${typeLabel(action.target)}`;
	return typeLabel((action.target ?? action.source)!);
}

/** "Schema: 3 to copy, 1 to cast, 1 new (empty), 1 dropped". */
export function totalsLine(compatibility: Compatibility): string {
	const {copy, cast, empty, drop, error} = compatibility.totals;
	const parts = [`${copy} to copy`, `${cast} to cast`, `${empty} new (empty)`, `${drop} dropped`];
	if (error > 0) parts.push(`${error} error${error === 1 ? '' : 's'}`);
	return `Schema: ${parts.join(', ')}`;
}

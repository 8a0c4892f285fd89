import {readFile} from 'node:fs/promises';
import {defineCommand} from '../cli/command.js';
import {usageError} from '../core/errors.js';
import {parseSchema} from '../core/schema.js';
import {checkFeatureGroupName} from '../core/names.js';
import type {CollectionType, FeatureDefinition, FeatureType} from '../core/types.js';
import {describeStore} from '../stores/open.js';

export const addFeaturesCommand = defineCommand({
	name: 'add-features',
	summary: 'add features to a feature group (UpdateFeatureGroup)',
	args: [1, 101],
	flags: {
		schemaFile: {type: 'string'},
	},
	help: `
Usage
  fs add-features FEATURE_GROUP NAME:TYPE [NAME:TYPE …]
  fs add-features FEATURE_GROUP --schema-file FILE

Adds features to the group as UpdateFeatureGroup does (1 to 100 at a time,
2,500 in all). Features can be added, never removed or changed. TYPE is
String, Integral or Fractional, or a collection: List<String>, Set<Integral>,
Vector<Fractional>:DIMENSION (collections need an InMemory online store).
Rows written before read the new features as empty (NULL in Athena).

Examples
  fs add-features customer-profile-v2 loyalty_tier:String lifetime_value:Fractional
  fs add-features customer-profile-v2 --schema-file new-features.json`,
	async run(context) {
		const name = checkFeatureGroupName(context.input[0]!);
		const specs = context.input.slice(1);
		const file = context.flags.schemaFile;
		if (file && specs.length > 0) throw usageError('Give the features as NAME:TYPE or with --schema-file, not both.', 'Drop one of them.');
		let features: FeatureDefinition[];
		if (file) {
			const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
				throw usageError(`Cannot read the schema file ${file}: ${error.code ?? error.message}.`, 'Check the path.');
			});
			features = parseSchema(text, file);
		} else if (specs.length > 0) {
			features = specs.map(parseFeature);
		} else {
			throw usageError('`fs add-features` needs the features to add.', `Name them: fs add-features ${name} loyalty_tier:String, or pass --schema-file FILE.`);
		}

		const store = await context.store();
		const before = await store.describeFeatureGroup(name);
		const group = await store.updateFeatureGroup(name, {FeatureAdditions: features});
		if (context.flags.json === true) {
			context.json({FeatureGroupName: name, added: features, features: group.FeatureDefinitions.length});
			return;
		}

		context.print(`${context.style.green('✔')} ${name} in ${describeStore(store)}: ${features.length} feature${features.length === 1 ? '' : 's'} added (${before.FeatureDefinitions.length} → ${group.FeatureDefinitions.length}): ${features.map(feature => feature.FeatureName).join(', ')}`);
	},
});

/** NAME:TYPE, TYPE being String, Integral, Fractional, List<T>, Set<T> or Vector<Fractional>:N. */
function parseFeature(spec: string): FeatureDefinition {
	const fix = 'Write each feature as NAME:TYPE, e.g. loyalty_tier:String, scores:List<Fractional>, embedding:Vector<Fractional>:128.';
	const match = /^([^:]+):(String|Integral|Fractional|(List|Set|Vector)<(String|Integral|Fractional)>(?::(\d+))?)$/.exec(spec);
	if (!match) throw usageError(`Cannot read the feature ${JSON.stringify(spec)}.`, fix);
	const [, FeatureName, type, collection, element, dimension] = match;
	if (!collection) return {FeatureName: FeatureName!, FeatureType: type as FeatureType};
	if (collection === 'Vector' && !dimension) throw usageError(`The vector ${FeatureName} needs a dimension.`, 'Write it as NAME:Vector<Fractional>:DIMENSION.');
	if (collection !== 'Vector' && dimension) throw usageError(`Only a Vector has a dimension, not the ${collection} ${FeatureName}.`, fix);
	return {
		FeatureName: FeatureName!, FeatureType: element as FeatureType, CollectionType: collection as CollectionType,
		...(dimension ? {CollectionConfig: {VectorConfig: {Dimension: Number(dimension)}}} : {}),
	};
}

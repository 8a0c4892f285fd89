/**
 * Step 2b: a new target drafted from the source's schema. The name field
 * first, then the features with what changed against the source: `d` drops
 * (or keeps again) a feature, `t` cycles its type, `a` adds one; enter
 * creates the group (a spinner while it becomes Created), then the plan.
 */
import {useEffect, useState} from 'react';
import {Box, Text} from 'ink';
import Spinner from 'ink-spinner';
import {checkFeatureName} from '../../core/names.js';
import {featureTypes, roleOf, type DraftFeature, type NewGroupDraft} from '../../migration/new-group.js';
import {fit} from './bars.js';
import {editText, useTyped} from './text-input.js';
import {useKeys} from './use-keys.js';

export interface NewGroupProps {
	initial: NewGroupDraft;
	columns: number;
	/** Lines the editor may take. */
	height: number;
	/** Creating: the group's name while it is created and waited for. */
	creating?: string;
	/** Why the last try could not create it. */
	problem?: string;
	onCreate(draft: NewGroupDraft): void;
	/** Back to the target list, with the draft as it is (offered again if the operator comes back). */
	onBack(draft: NewGroupDraft): void;
}

/** Where the keys go: the name, a feature (its index), or the name of a feature being added. */
type Focus = {on: 'name'} | {on: 'feature'; index: number} | {on: 'adding'; name: string};

const nameChar = (char: string) => /[a-zA-Z0-9_-]/.test(char);
const nameRule = 'names take letters, digits, - and _ only';

export function NewGroup({initial, columns, height, creating, problem, onCreate, onBack}: NewGroupProps) {
	const [draft, latestDraft, setDraft] = useTyped(initial);
	const [focus, latestFocus, setFocus] = useTyped<Focus>({on: 'name'});
	const [notice, setNotice] = useState<string | undefined>();
	// The refusal shows until the next key.
	const [refusal, setRefusal] = useState(problem);
	useEffect(() => setRefusal(problem), [problem]);

	const features = draft.features;
	const change = (index: number, next: DraftFeature | undefined) => {
		const current = latestDraft();
		const list = [...current.features];
		if (next) list[index] = next;
		else list.splice(index, 1);
		setDraft({...current, features: list});
	};

	/** A character a name cannot hold is dropped, and the notice says why. */
	const accept = (char: string) => {
		const ok = nameChar(char);
		if (!ok) setNotice(`"${char}" left out: ${nameRule}`);
		return ok;
	};

	useKeys((input, key, raw) => {
		if (creating) return;
		setNotice(undefined);
		setRefusal(undefined);
		const at = latestFocus();
		const current = latestDraft();
		if (at.on === 'adding') {
			if (key.escape) {
				setFocus({on: 'feature', index: Math.max(0, current.features.length - 1)});
				return;
			}

			const {text, enter} = editText(at.name, input, key, raw, accept);
			if (!enter) {
				setFocus({on: 'adding', name: text});
				return;
			}

			if (!text) return;
			const refusal = current.features.some(item => item.feature.FeatureName.toLowerCase() === text.toLowerCase()) ? `${text} is a feature already` : featureNameProblem(text);
			if (refusal) {
				setNotice(refusal);
				setFocus({on: 'adding', name: text});
				return;
			}

			setDraft({...current, features: [...current.features, {feature: {FeatureName: text, FeatureType: 'String'}, dropped: false}]});
			setFocus({on: 'feature', index: current.features.length});
			return;
		}

		if (key.escape) {
			onBack(current);
			return;
		}

		if (key.return) {
			onCreate(current);
			return;
		}

		if (at.on === 'name') {
			if (key.downArrow || key.tab) {
				if (current.features.length > 0) setFocus({on: 'feature', index: 0});
				return;
			}

			const {text, enter} = editText(current.name, input, key, raw, accept);
			setDraft({...current, name: text});
			if (enter) onCreate({...current, name: text});
			return;
		}

		const {index} = at;
		const item = current.features[index];
		if (key.upArrow) setFocus(index === 0 ? {on: 'name'} : {on: 'feature', index: index - 1});
		else if (key.downArrow) setFocus({on: 'feature', index: Math.min(current.features.length - 1, index + 1)});
		else if (key.pageUp) setFocus({on: 'feature', index: Math.max(0, index - height)});
		else if (key.pageDown) setFocus({on: 'feature', index: Math.min(current.features.length - 1, index + height)});
		else if (input === 'a') setFocus({on: 'adding', name: ''});
		else if (!item) return;
		else if (input === 'd' || input === ' ') {
			const role = roleOf(current, item.feature.FeatureName);
			if (role) setNotice(`${item.feature.FeatureName} is the ${role}: it stays`);
			else if (!item.was) {
				change(index, undefined);
				setFocus({on: 'feature', index: Math.max(0, Math.min(index, current.features.length - 2))});
			} else change(index, {...item, dropped: !item.dropped});
		} else if (input === 't') {
			const next = nextType(current, item);
			if (typeof next === 'string') setNotice(next);
			else change(index, {...item, feature: next});
		}
	});

	const nameWidth = Math.min(28, Math.max(12, ...features.map(item => item.feature.FeatureName.length)));
	const listHeight = Math.max(3, height - 9);
	const selected = focus.on === 'feature' ? focus.index : -1;
	const first = Math.max(0, Math.min(selected - Math.floor(listHeight / 2), features.length - listHeight));
	const visible = features.slice(first, first + listHeight);
	const counts = summary(features);
	return (
		<Box flexDirection="column">
			<Text bold>New feature group from {draft.source.FeatureGroupName}</Text>
			<Text>
				<Text color={focus.on === 'name' ? 'cyan' : undefined} bold={focus.on === 'name'}>{focus.on === 'name' ? '❯' : ' '} Name: </Text>
				{draft.name}{focus.on === 'name' && !creating ? '▌' : ''}
			</Text>
			<Text> </Text>
			{visible.map((item, offset) => {
				const index = first + offset;
				const active = index === selected;
				const mark = item.dropped ? '-' : !item.was ? '+' : typeLabel(item.feature) === typeLabel(item.was) ? ' ' : '~';
				const role = roleOf(draft, item.feature.FeatureName);
				const note = item.dropped ? 'dropped' : !item.was ? 'new' : mark === '~' ? `was ${typeLabel(item.was)}` : role ?? '';
				const line = `${active ? '❯' : ' '} ${mark} ${fit(item.feature.FeatureName, nameWidth)}  ${fit(typeLabel(item.feature), 18)}  ${note}`;
				const color = item.dropped ? 'red' : !item.was ? 'green' : mark === '~' ? 'yellow' : active ? 'cyan' : undefined;
				return <Text key={item.feature.FeatureName} color={color} bold={active} wrap="truncate-end">{line}</Text>;
			})}
			{features.length > listHeight && <Text dimColor>  {first + 1}–{first + visible.length} of {features.length}</Text>}
			{focus.on === 'adding' && <Text color="green">{'  + new feature: '}{focus.name}▌</Text>}
			<Text> </Text>
			<Text dimColor>{counts}</Text>
			{creating
				? <Text><Text color="cyan"><Spinner type="dots"/></Text> creating {creating}, waiting until it is Created…</Text>
				: refusal
					? <Text color="red" wrap="wrap">✘ {refusal}</Text>
					: notice
						? <Text color="yellow">⚠ {notice}</Text>
						: <Text dimColor wrap="truncate-end">{focus.on === 'adding' ? 'type the name · enter add · esc cancel · ctrl-u clear' : focus.on === 'name' ? 'type the name · ctrl-u clear · ↓ features · enter create · esc back' : '↑↓ move · d drop/keep · t type · a add · enter create · esc back'}</Text>}
		</Box>
	);
}

/** Why a new feature's name cannot be used (reserved, malformed), if it cannot. */
function featureNameProblem(name: string): string | undefined {
	try {
		checkFeatureName(name);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

/** The next type a feature may take, or why it has no other. */
function nextType(draft: NewGroupDraft, item: DraftFeature): DraftFeature['feature'] | string {
	const {feature} = item;
	const role = roleOf(draft, feature.FeatureName);
	if (feature.CollectionType === 'Vector') return `${feature.FeatureName} is a Vector: its elements are Fractional`;
	// The identifier is String or Integral; the event time String or Fractional (docs/service.md).
	const allowed = role === 'identifier' ? ['String', 'Integral'] : role === 'event time' ? ['String', 'Fractional'] : featureTypes;
	const next = allowed[(allowed.indexOf(feature.FeatureType) + 1) % allowed.length]!;
	return {...feature, FeatureType: next as DraftFeature['feature']['FeatureType']};
}

const typeLabel = (feature: DraftFeature['feature']) => (feature.CollectionType ? `${feature.CollectionType}<${feature.FeatureType}>` : feature.FeatureType);

function summary(features: DraftFeature[]): string {
	const kept = features.filter(item => !item.dropped).length;
	const added = features.filter(item => !item.was).length;
	const dropped = features.filter(item => item.dropped).length;
	const retyped = features.filter(item => item.was && !item.dropped && typeLabel(item.feature) !== typeLabel(item.was)).length;
	return `${kept} features · ${added} new · ${dropped} dropped · ${retyped} retyped`;
}

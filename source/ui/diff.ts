/**
 * The schema diff as text, Terraform style: `=` copy, `~` cast, `+` new
 * (left empty), `-` dropped, `✘` error; a totals line. Every symbol reads
 * without colour.
 */
import {totalsLine, typeChange, type Compatibility, type FeatureActionKind} from '../core/compat.js';
import type {Style} from './style.js';

const symbols: Record<FeatureActionKind, string> = {copy: '=', cast: '~', empty: '+', drop: '-', error: '✘'};

/**
 * With `collapse`, features copied as they are (`=`) go into one line,
 * `= N unchanged`, as Terraform folds unchanged attributes; the record
 * identifier and the event time stay.
 */
export function diffLines(compatibility: Compatibility, style: Style, indent = '  ', {collapse = false}: {collapse?: boolean} = {}): string[] {
	const paint: Record<FeatureActionKind, (text: string) => string> = {copy: text => text, cast: style.yellow, empty: style.green, drop: style.red, error: style.red};
	const nameWidth = Math.max(4, ...compatibility.actions.map(action => action.name.length));
	const typeWidth = Math.max(4, ...compatibility.actions.map(action => typeChange(action).length));
	const folded = collapse ? compatibility.actions.filter(action => action.kind === 'copy' && !action.role).length : 0;
	const shown = folded > 1 ? compatibility.actions.filter(action => action.kind !== 'copy' || action.role) : compatibility.actions;
	const lines = shown.map(action => {
		const note = [action.role, action.note].filter((part, index, all) => part && all.indexOf(part) === index).join(', ');
		return paint[action.kind](`${indent}${symbols[action.kind]} ${action.name.padEnd(nameWidth)}  ${typeChange(action).padEnd(typeWidth)}  ${note}`.trimEnd());
	});
	if (folded > 1) lines.push(style.dim(`${indent}= ${folded} unchanged`));
	lines.push(`${indent.slice(0, -1)}${totalsLine(compatibility)}`);
	return lines;
}

/**
 * Typing into a text field, the one way for every field of the app. Keys
 * typed fast, pasted, or sent over a slow SSH link arrive several in one
 * read: Ink then hands over the raw characters (backspaces, Ctrl-U, Enter
 * among them) as one input, which is taken apart here, character by
 * character. Ctrl-U clears the field, Ctrl-W deletes the word before the
 * cursor, as in a shell.
 */
import {useRef, useState} from 'react';
import type {Key} from 'ink';

/**
 * State whose latest value handlers read at once: two reads of keys can
 * arrive before React renders again, and the second must see the first.
 */
export function useTyped<T>(initial: T): [T, () => T, (value: T) => void] {
	const [value, setValue] = useState(initial);
	const latest = useRef(value);
	return [value, () => latest.current, next => {
		latest.current = next;
		setValue(next);
	}];
}

export interface Edited {
	text: string;
	/** Enter was pressed (in a batch: the characters after it are dropped). */
	enter: boolean;
}

const backspace = new Set(['\u007F', '\b']);
const clearLine = '\u0015';
const deleteWord = '\u0017';

/**
 * `text` with the keys of one read applied; `raw`, the read's characters
 * (useKeys); `accept` says which printable characters the field takes.
 */
export function editText(text: string, input: string, key: Key, raw = input, accept: (char: string) => boolean = () => true): Edited {
	// Several keys in one read: Ink's parser has dropped their control characters; take them from the raw read.
	if (Array.from(raw).length > 1 && !raw.startsWith('\u001B')) return editChars(text, raw, accept);
	if (key.ctrl && input === 'u') return {text: '', enter: false};
	if (key.ctrl && input === 'w') return {text: withoutLastWord(text), enter: false};
	if (key.backspace || key.delete) return {text: withoutLastChar(text), enter: false};
	if (key.return) return {text, enter: true};
	if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) {
		return {text, enter: false};
	}

	return editChars(text, input, accept);
}

function editChars(text: string, chars: string, accept: (char: string) => boolean): Edited {
	let next = text;
	for (const char of chars) {
		if (backspace.has(char)) next = withoutLastChar(next);
		else if (char === clearLine) next = '';
		else if (char === deleteWord) next = withoutLastWord(next);
		else if (char === '\r' || char === '\n') return {text: next, enter: true};
		else if (char >= ' ' && accept(char)) next += char;
	}

	return {text: next, enter: false};
}

/** One character off the end (a whole code point: an emoji is one). */
const withoutLastChar = (text: string) => Array.from(text).slice(0, -1).join('');

/** The word before the end, and the spaces after it, off. */
const withoutLastWord = (text: string) => text.replace(/\S*\s*$/u, '');

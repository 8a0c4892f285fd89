import {describe, expect, it} from 'vitest';
import {parseWhere} from '../../source/core/filter.js';
import {FsError} from '../../source/core/errors.js';

const refused = (text: string) => {
	try {
		parseWhere(text);
	} catch (error) {
		expect(error).toBeInstanceOf(FsError);
		expect((error as FsError).kind).toBe('usage');
		return (error as FsError).message;
	}

	throw new Error(`not refused: ${text}`);
};

describe('parseWhere', () => {
	it('returns the condition with or without WHERE', () => {
		expect(parseWhere('WHERE customer_id IN (\'a\', \'b\')')).toBe('customer_id IN (\'a\', \'b\')');
		expect(parseWhere('  where x > 1 ')).toBe('x > 1');
		expect(parseWhere('x > 1')).toBe('x > 1');
		expect(parseWhere('')).toBeUndefined();
		expect(parseWhere(undefined)).toBeUndefined();
	});

	it('allows keywords and semicolons inside string literals and quoted names', () => {
		expect(parseWhere('WHERE note = \'drop table; delete\'')).toBe('note = \'drop table; delete\'');
		expect(parseWhere('WHERE "select" = \'it\'\'s; fine\'')).toBe('"select" = \'it\'\'s; fine\'');
		expect(parseWhere('WHERE from_iso8601_timestamp(event_time) >= current_date - interval \'30\' day')).toContain('interval');
	});

	it('refuses a second statement, DDL/DML, other clauses and comments', () => {
		expect(refused('WHERE a = 1; DROP TABLE t')).toMatch(/;/);
		expect(refused('WHERE a = 1;')).toMatch(/;/);
		expect(refused('WHERE a IN (SELECT 1) UNION SELECT 2')).toMatch(/UNION/);
		expect(refused('WHERE 1=1) OR (1=1')).toMatch(/parenthesis/);
		expect(refused('WHERE a = 1 -- comment')).toMatch(/comment/);
		expect(refused('WHERE delete = 1')).toMatch(/DELETE/);
		expect(refused('WHERE a = 1 LIMIT 5')).toMatch(/LIMIT/);
		expect(refused('WHERE a = \'unterminated')).toMatch(/unterminated/);
		expect(refused('WHERE x IN (SELECT * FROM read_csv(\'/etc/passwd\'))')).toMatch(/read_csv/);
		expect(refused('WHERE')).toMatch(/no condition/);
	});
});

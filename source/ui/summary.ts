/** The summary block of a migration, for the plain view and the guided app. */
import {count, preciseDuration} from '../core/format.js';
import type {MigrationResult} from '../engine/migrate.js';
import {reconciles} from '../migration/outcome.js';
import type {Style} from './style.js';

/** Why rows were skipped: already in the target, done before an interruption, or both. */
function skippedWhy(skipped: number, existing: number): string {
	if (skipped === 0) return '';
	if (existing === 0) return '  (done before the interruption)';
	if (existing === skipped) return '  (already in the target)';
	return `  (${count(existing)} already in the target, ${count(skipped - existing)} done before the interruption)`;
}

export function summaryLines(result: MigrationResult, style: Style): string[] {
	const {totals} = result;
	const reconciled = reconciles(result);
	const mark = result.status === 'interrupted' ? style.yellow('■') : totals.failed > 0 ? style.yellow('✔') : style.green('✔');
	const verb = result.status === 'interrupted' ? 'Migration stopped after' : 'Migration finished in';
	const lines = [
		`${mark} ${verb} ${preciseDuration(result.seconds)} · ${count(result.recordsPerSecond)} records/s`,
		`  read     ${count(totals.read).padStart(10)}  = written + failed + skipped ${reconciled ? style.green('✓') : style.red('✘')}`,
		`  written  ${count(totals.written).padStart(10)}${totals.deletes ? `  (${count(totals.deletes)} deletes replayed)` : ''}`,
		`  failed   ${count(totals.failed).padStart(10)}${result.failedFile && totals.failed > 0 ? `  → ${result.failedFile}` : ''}`,
		`  skipped  ${count(totals.skipped).padStart(10)}${skippedWhy(totals.skipped, result.alreadyInTarget ?? 0)}`,
	];
	if (result.online) {
		// The history went server-side: its rows above; the latest record of each identifier written online here.
		const copied = result.offlineCopied ?? 0;
		const api = totals.written - copied;
		lines.splice(3, 0, `           ${' '.repeat(10)}  (${count(copied)} copied by Athena, server-side${api > 0 ? `; ${count(api)} through the API` : ''})`);
		const {online} = result;
		lines.push(`  online   ${count(online.written).padStart(10)}  latest records${online.deletes ? ` (${count(online.deletes)} deletes)` : ''}${online.failed ? `, ${count(online.failed)} failed${result.failedFile ? ` → ${result.failedFile}` : ''}` : ''}`);
	}
	const verification = result.verification;
	if (verification) {
		const parts: string[] = [];
		if (verification.offlineRows) parts.push(`target offline rows ${count(verification.offlineRows.actual)} ${verification.offlineRows.ok ? style.green('✓') : style.red(`✘ expected ${count(verification.offlineRows.expected)}`)}`);
		if (verification.sample) parts.push(`${verification.sample.matched}/${verification.sample.checked} sampled records match ${verification.sample.ok ? style.green('✓') : style.red('✘')}`);
		if (verification.note) parts.push(verification.note);
		lines.push(`Verification: ${parts.join(' · ')}`);
	}

	return lines;
}

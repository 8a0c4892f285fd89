/**
 * Records are partitioned by record identifier, so that every version of an
 * identifier goes to the same worker and is written in event-time order.
 */
export function partitionOf(recordIdentifier: string, partitions: number): number {
	// FNV-1a, 32 bits: fast, stable across runs and machines.
	let hash = 0x811C9DC5;
	for (let i = 0; i < recordIdentifier.length; i++) {
		hash ^= recordIdentifier.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}

	return (hash >>> 0) % partitions;
}

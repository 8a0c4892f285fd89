/**
 * Injected faults, decided from seeded pseudo-random streams so that a test
 * run is repeatable: per request (throttling, internal errors) and per
 * BatchWriteRecord entry / BatchGetRecord identifier (left unprocessed).
 */
import {faultSource, type Fault} from '../stores/faults.js';
import {ApiError, type Service} from './http.js';

export interface FaultRates {
	throttleRate: number;
	errorRate: number;
	partialRate: number;
	seed: number;
}

export class Faults {
	private readonly request: () => Fault;
	private readonly entry: () => Fault;

	constructor(readonly rates: FaultRates) {
		this.request = faultSource({throttle: rates.throttleRate, error: rates.errorRate, seed: rates.seed});
		// Its own stream: how many requests came before must not change which entries fail.
		this.entry = faultSource({throttle: rates.partialRate, error: 0, seed: rates.seed + 0x9E3779B9});
	}

	/** The error this request is answered with instead of being served, if any. */
	forRequest(service: Service): ApiError | undefined {
		if (this.rates.throttleRate === 0 && this.rates.errorRate === 0) return undefined;
		const fault = this.request();
		if (fault === 'throttle') return throttled(service);
		if (fault === 'error') return internal(service);
		return undefined;
	}

	/** Whether this entry of a batch call is left unprocessed. */
	unprocessed(): boolean {
		return this.rates.partialRate > 0 && this.entry() === 'throttle';
	}
}

/** Names the SDK's retry strategy knows as throttling (ThrottlingException, SlowDown). */
function throttled(service: Service): ApiError {
	if (service === 's3') return new ApiError(503, 'SlowDown', 'Please reduce your request rate. (injected by fs emulator)');
	return new ApiError(400, 'ThrottlingException', 'Rate exceeded (injected by fs emulator)');
}

/** 5xx errors, which the SDK retries as transient. */
function internal(service: Service): ApiError {
	const message = 'An internal error occurred (injected by fs emulator)';
	if (service === 's3') return new ApiError(500, 'InternalError', message);
	if (service === 'athena') return new ApiError(500, 'InternalServerException', message);
	return new ApiError(500, 'InternalFailure', message);
}

/** A rate flag or option: a number from 0 to 1. */
export function isRate(value: number): boolean {
	return Number.isFinite(value) && value >= 0 && value <= 1;
}

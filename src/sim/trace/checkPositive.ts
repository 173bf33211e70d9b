import { expected } from '../../errors.js';

/** Asserts `value` is a finite number above 0 (rates, scales: zero would divide by zero downstream). */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw expected('a positive number', name, value);
  return value;
}

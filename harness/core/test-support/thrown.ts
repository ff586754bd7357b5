/** The error a call throws, for tests that check its code, message and context. */
import { InputError, PoshilError } from '../errors.js';

export function thrown<E extends PoshilError>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

export const inputError = (fn: () => unknown): InputError => thrown(fn, InputError);

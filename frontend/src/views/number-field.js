// A number input holds '' when it is empty or what was typed is not a number.
import { SamplingError } from '../sampling.js';

export function filled(value, what) {
  if (value.trim() === '') throw new SamplingError(`${what} is empty or not a number`);
  return value;
}

import fc from 'fast-check';
import { BUILTIN_NAMES } from '../../engine/evaluate.js';
import { CHECK_NAME } from '../../engine/validate.js';

/** Every Object.prototype key a check may be named (the others, like `__proto__`, fail CHECK_NAME). */
export const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).filter((name) => CHECK_NAME.test(name));

/** Allowed, distinct check names, every Object.prototype key among them. */
export const checkNames = fc.uniqueArray(
  fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)).filter((n) => !BUILTIN_NAMES.includes(n)),
  { minLength: 1, maxLength: 40 },
);

/** Small validators that name the option and show what was received. */

/** A copy of `value` without its `undefined` fields, so spreading it over defaults keeps the defaults. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) (out as Record<string, unknown>)[key] = field;
  return out;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`Expected \`${name}\` to be a positive integer, got \`${describe(value)}\``);
  }
  return value;
}

export function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got \`${describe(value)}\``);
  }
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got \`${describe(value)}\``);
  return value;
}

export function string(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`Expected \`${name}\` to be a string, got \`${describe(value)}\``);
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(
      `Expected \`${name}\` to be one of ${allowed.map((a) => `\`${a}\``).join(', ')}, got \`${describe(value)}\``,
    );
  }
  return value as T;
}

/** Throws for keys that are not options, so a typo never goes unnoticed. */
export function knownKeys(what: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`Unknown option \`${key}\` in ${what}; expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
    }
  }
}

export function plainObject(name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected \`${name}\` to be an object, got \`${describe(value)}\``);
  }
  return value as Record<string, unknown>;
}

/** Check names appear in URLs, log lines and metric labels. */
export const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function checkName(value: unknown): string {
  if (typeof value !== 'string' || !CHECK_NAME.test(value)) {
    throw new TypeError(
      `Expected the check name to be 1-63 characters of letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit, got \`${describe(value)}\``,
    );
  }
  return value;
}

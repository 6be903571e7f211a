// Errors a user can act on: one human sentence naming what was wrong and where. The CLI prints
// `message` (or, for a typed error, its own words for it: src/cli/explain-error.ts) and exits 1;
// anything that is not a UserError is a bug in pathsum.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A value of a library call's option (`position`, `via`, `identity`) that cannot be used, the option
 * named as the library names it: the CLI words it as the flag that gave the value.
 */
export class OptionError extends UserError {
  readonly code = 'option';
  constructor(
    readonly option: string,
    /** The value as the user wrote it; undefined when the option's mere presence is the problem. */
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(`${option}${value === undefined ? '' : ` ${value}`}: ${reason}`);
  }
}

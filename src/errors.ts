// Errors a user can act on: one human sentence naming what was wrong and where. The CLI prints
// `message` and exits 1; anything that is not a UserError is a bug in pathsum.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

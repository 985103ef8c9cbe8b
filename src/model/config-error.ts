/** A config.json this code cannot serve faithfully; the message is one line naming the field and value. */
export class UnsupportedConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedConfigError';
  }
}

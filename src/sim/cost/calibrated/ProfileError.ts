import { UserError } from '../../../errors.js';

/** A calibration profile that cannot be read or is malformed; the message names file and field. */
export class ProfileError extends UserError {
  constructor(message: string) {
    super('PROFILE_INVALID', message);
  }
}

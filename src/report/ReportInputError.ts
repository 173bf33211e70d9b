import { UserError } from '../errors.js';

/** A run or validation file the report cannot use: names the file and what was expected where. */
export class ReportInputError extends UserError {
  constructor(source: string, message: string) {
    super('REPORT_INPUT', `${source}: ${message}`);
  }
}

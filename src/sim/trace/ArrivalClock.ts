import { quoteField } from './parseFields.js';
import { TraceParseError } from './TraceParseError.js';

/** Tracks arrival order while reading: a later row may not arrive earlier than the one before it. */
export class ArrivalClock {
  prevS = -Infinity;
  private prevLine = 0;

  check(file: string, lineNo: number, field: string, arrivalS: number, text: string): void {
    if (arrivalS < this.prevS) this.backwards(file, lineNo, field, arrivalS, text);
    this.advance(arrivalS, lineNo);
  }

  advance(arrivalS: number, lineNo: number): void {
    this.prevS = arrivalS;
    this.prevLine = lineNo;
  }

  backwards(file: string, lineNo: number, field: string, arrivalS: number, text: string): never {
    const gap = (this.prevS - arrivalS).toPrecision(3);
    throw new TraceParseError(file, lineNo, field, `arrivals go backwards: ${quoteField(text)} is ${gap} s before line ${this.prevLine}`);
  }
}

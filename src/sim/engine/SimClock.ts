import { KvsimError } from '../../errors.js';

/** Simulated time, seconds. Moving it backwards is a bug in the engine, reported at once. */
export class SimClock {
  private t = 0;

  get nowS(): number {
    return this.t;
  }

  advanceTo(timeS: number): void {
    if (!(timeS >= this.t)) {
      throw new KvsimError('CLOCK_BACKWARDS', `SimClock: cannot go back from ${this.t} s to ${timeS} s`);
    }
    this.t = timeS;
  }
}

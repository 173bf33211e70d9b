import { KvsimError } from '../../errors.js';

/**
 * Misuse of a policy by its caller (the scheduler), not a user mistake: a bug, so a KvsimError that
 * the CLI reports with its stack.
 */
export class PolicyMisuseError extends KvsimError {
  constructor(message: string) {
    super('POLICY_MISUSE', message);
  }
}

/** Checks a request id and token count handed to admit/grow. Cheap: runs on every call. */
export function checkRequest(policy: string, id: number, tokens: number): void {
  if (!(id >= 0 && id <= 0x7fffffff && Number.isInteger(id))) {
    throw new PolicyMisuseError(`${policy}: request id must be an integer in [0, 2^31), got ${id}`);
  }
  if (!(tokens >= 0 && Number.isInteger(tokens))) {
    throw new PolicyMisuseError(`${policy}: token count must be a non-negative integer, got ${tokens}`);
  }
}

export function unknownRequest(policy: string, id: number, call: string): PolicyMisuseError {
  return new PolicyMisuseError(`${policy}: ${call}(${id}) for a request that holds no memory`);
}

export function duplicateRequest(policy: string, id: number): PolicyMisuseError {
  return new PolicyMisuseError(`${policy}: admit(${id}) for a request that already holds memory (release it first)`);
}

export function shrinkingGrow(policy: string, id: number, from: number, to: number): PolicyMisuseError {
  return new PolicyMisuseError(`${policy}: grow(${id}, ${to}) would shrink the request from ${from} tokens`);
}

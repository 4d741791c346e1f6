import { validationError } from '../errors.js';
import type { Protocol } from '../protocol/schema.js';

export interface Election {
  readonly phase: string;
  readonly option: string;
  readonly fromArm: string;
  readonly toArm: string;
}

/** The extension phase and the option `optionCode` of its election; a validation error naming the options. */
export function electionOption(protocol: Protocol, optionCode: string) {
  const phase = protocol.phases.find((p) => p.election !== undefined);
  if (!phase?.election) throw validationError('The protocol has no extension to elect');
  const option = phase.election.options.find((o) => o.code === optionCode);
  if (!option)
    throw validationError(`Unknown extension option ${optionCode}`, [
      { path: 'option', message: `must be one of ${phase.election.options.map((o) => o.code).join(', ')}` },
    ]);
  return { phase, option };
}

/**
 * The arm a subject on `currentArm` is on after electing `optionCode` in the protocol's extension.
 * A switch requested from an arm the option does not switch from keeps the subject where they are,
 * without an error: refusing would tell a blinded site the subject's arm.
 */
export function resolveElection(protocol: Protocol, currentArm: string, optionCode: string): Election {
  const { phase, option } = electionOption(protocol, optionCode);
  if (option.assignment === 'same')
    return { phase: phase.code, option: option.code, fromArm: currentArm, toArm: currentArm };
  const { toArm, fromArms } = option.assignment;
  const allowed = fromArms === undefined ? currentArm !== toArm : fromArms.includes(currentArm);
  return { phase: phase.code, option: option.code, fromArm: currentArm, toArm: allowed ? toArm : currentArm };
}

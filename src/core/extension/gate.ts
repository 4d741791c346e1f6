import type { Protocol } from '../protocol/schema.js';

/** What the protocol's extension rules need to know about a subject. */
export interface ExtensionFacts {
  readonly randomized: boolean;
  /** The dispositions recorded so far, one per phase. */
  readonly dispositions: readonly { readonly phase: string; readonly status: 'completed' | 'discontinued' }[];
  /** The phases whose election the subject has made. */
  readonly electedPhases: readonly string[];
}

/**
 * Why the subject cannot make the election of the protocol's extension now, or null when they can.
 * The protocol's rule: only a randomized subject who completed the main phase (its disposition
 * recorded as completed) elects, once. Nothing here depends on the arm, so a refusal tells a blinded
 * site nothing about it.
 */
export function electionRefusal(protocol: Protocol, facts: ExtensionFacts): string | null {
  const phase = protocol.phases.find((p) => p.election !== undefined);
  if (!phase) return 'the protocol has no extension to elect';
  const main = protocol.phases.find((p) => p.kind === 'main');
  const mainLabel = main?.label.toLowerCase() ?? 'main phase';
  if (!facts.randomized) return 'the subject is not randomized';
  if (facts.electedPhases.includes(phase.code))
    return `the subject has already made the ${phase.code} election (it is final)`;
  const ended = facts.dispositions.find((d) => d.phase === main?.code);
  if (ended?.status === 'discontinued')
    return `the subject discontinued the ${mainLabel}: there is no extension for them`;
  if (ended?.status !== 'completed')
    return `the extension is elected only after the ${mainLabel} is completed: record the ${main?.code ?? 'main'} disposition as completed first`;
  return null;
}

/**
 * Why a disposition of `phaseCode` may not become `status`, or null. Once the subject elected the
 * extension, their main phase stays completed: the election rests on it, and it cannot be undone.
 */
export function dispositionChangeRefusal(
  protocol: Protocol,
  phaseCode: string,
  status: 'completed' | 'discontinued',
  electedPhases: readonly string[],
): string | null {
  const main = protocol.phases.find((p) => p.kind === 'main');
  if (phaseCode !== main?.code || status === 'completed') return null;
  const elected = protocol.phases.find((p) => p.election !== undefined && electedPhases.includes(p.code));
  if (!elected) return null;
  return `the subject elected the ${elected.label.toLowerCase()} on completing the ${main.label.toLowerCase()}: that completion cannot become a discontinuation`;
}

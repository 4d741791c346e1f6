import { addDays } from '../core/capture/dates.js';
import { Random } from './random.js';

// The replay of the reference trial (celgosivir, prior non-responders): who is screened where and
// when, and, once the randomization service has given each subject an arm, how each subject's course
// goes. Deterministic from a seed and the day of the run; the arms are never chosen here.

/** The name of the scenario on the command line, and the shipped protocol it runs. */
export const SCENARIO = 'celgosivir-nr';
export const PROTOCOL_FILE = 'celgosivir-nr-phase2.yaml';

export type Stratum = 'NR' | 'PR';
export const STRATA: readonly Stratum[] = ['NR', 'PR'];
export type Arm = 'TRIPLE' | 'DOUBLE' | 'CONTROL';
export const ARMS: readonly Arm[] = ['TRIPLE', 'DOUBLE', 'CONTROL'];
export const isArm = (code: string): code is Arm => (ARMS as readonly string[]).includes(code);

/** The top-line figures of the sponsor's release of Nov. 6, 2006 (DESIGN.md), to be reproduced. */
export const PUBLISHED = {
  randomized: { NR: 36, PR: 21 },
  /** Non-responders with a week-12 result on treatment, by arm. */
  nrCompleters: { TRIPLE: 12, DOUBLE: 8, CONTROL: 10 },
  /** Mean log10 reduction at week 12 of the non-responder completers, to one decimal. */
  nrMeanReduction: { TRIPLE: 1.2, CONTROL: 0.4 },
  /** EVR among the non-responder completers: 4/12 = 33% and 1/10 = 10%. */
  nrEvrResponders: { TRIPLE: 4, CONTROL: 1 },
  /** "Insufficient patients (n=3)" among partial responders on the triple combination. */
  prTripleAnalysed: 3,
  dropouts: { total: 7, peginterferonAdverseEvent: 6, notAdverseEvent: 1 },
  extension: {
    completedMain: 50,
    continued: 31,
    onTriple: 30,
    completed48: 1,
    from24To48: 22,
    under24: 6,
    discontinuedBefore24: 2,
  },
} as const;

/** The sites and how many of the 57 randomized subjects each enrolls. */
export const SITES = [
  {
    code: 'WPG',
    name: 'Viral Hepatitis Investigative Unit, University of Manitoba (Winnipeg)',
    country: 'CA',
    subjects: 16,
  },
  { code: 'VAN', name: 'Vancouver hepatology clinic', country: 'CA', subjects: 12 },
  { code: 'TOR', name: 'Toronto liver centre', country: 'CA', subjects: 11 },
  { code: 'MTL', name: 'Montreal hepatology unit', country: 'CA', subjects: 9 },
  { code: 'SDG', name: 'San Diego hepatology research', country: 'US', subjects: 9 },
] as const;

/** Screening answers by field code of the protocol's eligibility form. */
export type Answers = Readonly<Record<string, string | number | boolean>>;

/** A subject screened eligible, to be randomized; `dayZero` is the date of the D0 visit. */
export interface Candidate {
  readonly ref: string;
  readonly site: string;
  readonly stratum: Stratum;
  readonly consentedOn: string;
  readonly screeningVisit: string;
  readonly dayZero: string;
  readonly answers: Answers;
  /** HCV RNA at D0 as the lab reports it (IU/mL, 3 significant digits): about 10^6 to 10^7. */
  readonly baselineIu: number;
  /** HCV RNA at screening (IU/mL), also the screening answer `hcvRna`. */
  readonly screeningIu: number;
}

/** A subject who fails screening, and the criterion that fails. */
export interface ScreenFailure {
  readonly ref: string;
  readonly site: string;
  readonly consentedOn: string;
  readonly answers: Answers;
  readonly criterion: string;
  readonly why: string;
}

export type Screening =
  ({ readonly kind: 'candidate' } & Candidate) | ({ readonly kind: 'screen_failure' } & ScreenFailure);

export interface EnrollmentPlan {
  /** The day of the run: no date of the plan is after it. */
  readonly today: string;
  /** Everyone screened, in order of consent. */
  readonly screenings: readonly Screening[];
  /** The eligible subjects in order of their D0 visit: the order of randomization. */
  readonly candidates: readonly Candidate[];
}

/**
 * Days before the run of the first and last D0: enrollment spread over the year before today, so that
 * one subject can have completed 48 weeks and six can still be under 24 weeks at the data cut (today).
 */
const FIRST_DAY0_DAYS_AGO = 372;
const LAST_DAY0_DAYS_AGO = 118;

const SCREEN_FAILURES: readonly Omit<ScreenFailure, 'ref' | 'site' | 'consentedOn'>[] = [
  { criterion: 'IN02', why: 'HCV genotype 3', answers: { hcvGenotype: '3' } },
  { criterion: 'IN03', why: 'relapser after the prior treatment', answers: { priorResponse: 'RELAPSE' } },
  { criterion: 'IN04', why: 'screening HCV RNA 6,200 IU/mL', answers: { hcvRna: 6200 } },
  { criterion: 'EX04', why: 'platelets 72 × 10^9/L', answers: { platelets: 72 } },
  { criterion: 'EX02', why: 'HBsAg positive', answers: { hbvCoinfection: true } },
  { criterion: 'EX01', why: 'decompensated cirrhosis', answers: { decompensatedLiverDisease: true } },
  { criterion: 'IN01', why: 'aged 67', answers: { age: 67 } },
  { criterion: 'EX04', why: 'hemoglobin 11.2 g/dL', answers: { hemoglobin: 11.2 } },
  { criterion: 'IN02', why: 'HCV genotype 2', answers: { hcvGenotype: '2' } },
];

/** A lab's way of reporting a quantified HCV RNA: three significant digits. */
export const reportIu = (iu: number): number => Number(iu.toPrecision(3));

function eligibleAnswers(rng: Random, stratum: Stratum, hcvRna: number): Answers {
  return {
    age: rng.int(24, 64),
    hcvGenotype: rng.pick(['1a', '1a', '1b', '1b', '1']),
    chronicInfection: true,
    failedPriorPegRbv: true,
    priorResponse: stratum,
    hcvRna,
    decompensatedLiverDisease: false,
    hivCoinfection: false,
    hbvCoinfection: false,
    pregnantOrBreastfeeding: false,
    neutrophils: Math.round(rng.uniform(1.6, 4.5) * 10) / 10,
    platelets: rng.int(100, 320),
    hemoglobin: Math.round(rng.uniform(12.4, 16.8) * 10) / 10,
  };
}

/**
 * Who is screened, where and when: 57 eligible subjects (36 NR, 21 PR, as published) over five sites,
 * their D0 visits spread from about 53 to 17 weeks before `today`, and nine screen failures.
 * Everything here is fixed before any allocation.
 */
export function planEnrollment(seed: number, today: string): EnrollmentPlan {
  const rng = Random.derive(seed, 'enrollment');
  const total = PUBLISHED.randomized.NR + PUBLISHED.randomized.PR;
  const strata = rng.shuffle([
    ...Array.from({ length: PUBLISHED.randomized.NR }, (): Stratum => 'NR'),
    ...Array.from({ length: PUBLISHED.randomized.PR }, (): Stratum => 'PR'),
  ]);
  const sites = rng.shuffle(SITES.flatMap((s) => Array.from({ length: s.subjects }, () => s.code)));
  const step = (FIRST_DAY0_DAYS_AGO - LAST_DAY0_DAYS_AGO) / (total - 1);
  const candidates: Candidate[] = [];
  for (let i = 0; i < total; i += 1) {
    const stratum = strata[i] ?? 'NR';
    // Jitter of at most a day keeps the D0 order and both ends of the range.
    const jitter = i === 0 || i === total - 1 ? 0 : rng.int(-1, 1);
    const dayZero = addDays(today, -Math.round(FIRST_DAY0_DAYS_AGO - i * step) + jitter);
    const screeningVisit = addDays(dayZero, -rng.int(7, 21));
    const log10Baseline = rng.uniform(6.05, 6.95);
    const screeningIu = reportIu(10 ** (log10Baseline + rng.normal(0, 0.12)));
    candidates.push({
      ref: `C${String(i + 1).padStart(2, '0')}`,
      site: sites[i] ?? 'WPG',
      stratum,
      consentedOn: addDays(screeningVisit, -rng.int(0, 2)),
      screeningVisit,
      dayZero,
      answers: eligibleAnswers(rng, stratum, screeningIu),
      baselineIu: reportIu(10 ** log10Baseline),
      screeningIu,
    });
  }
  const failures: ScreenFailure[] = SCREEN_FAILURES.map((f, i) => {
    const consentedOn = addDays(today, -rng.int(LAST_DAY0_DAYS_AGO + 10, FIRST_DAY0_DAYS_AGO + 20));
    const base = eligibleAnswers(rng, rng.chance(0.6) ? 'NR' : 'PR', reportIu(10 ** rng.uniform(6, 7)));
    return {
      ref: `F${i + 1}`,
      site: rng.pick(SITES).code,
      consentedOn,
      ...f,
      answers: { ...base, ...f.answers },
    };
  });
  const screenings: Screening[] = [
    ...candidates.map((c) => ({ kind: 'candidate' as const, ...c })),
    ...failures.map((f) => ({ kind: 'screen_failure' as const, ...f })),
  ].sort((a, b) => (a.consentedOn < b.consentedOn ? -1 : a.consentedOn > b.consentedOn ? 1 : 0));
  return { today, screenings, candidates };
}

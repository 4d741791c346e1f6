import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../../src/core/protocol/schema.js';
import { planImport, type SdtmDomain, type SdtmIssue } from '../../../src/core/sdtm/index.js';
import { editLine, fixtureDatasets, nrProtocol, TODAY } from './support.js';

type Edits = Partial<Record<SdtmDomain, (text: string) => string>>;

/** The issues of the fixture with `edits` applied (the import must fail). */
function issuesOf(edits: Edits, protocol: Protocol = nrProtocol()): SdtmIssue[] {
  const outcome = planImport(protocol, fixtureDatasets(edits), TODAY);
  if (outcome.ok) throw new Error('the import was not refused');
  return [...outcome.issues];
}

const on = (line: number, from: string, to: string) => (t: string) => editLine(t, line, from, to);
const append = (row: string) => (t: string) => `${t.trimEnd()}\n${row}\n`;
const copyLine = (line: number) => (t: string) => append(t.split('\n')[line - 1] ?? '')(t);
const U = 'MX3253-201-';

describe('planning an SDTM import', () => {
  it('maps the fixture with no refused row, and notes what it does not store', () => {
    const outcome = planImport(nrProtocol(), fixtureDatasets(), TODAY);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.plan.notes).toEqual([
      "1 screening disposition(s) in DS: the subjects' status carries them",
      '29 EX record(s) checked; exposure is not stored (trialdesk keeps kits, not doses)',
      'lb.csv: tests the protocol does not measure (ALT): 1 row(s) not imported',
    ]);
    expect(outcome.plan.subjects.map((s) => s.screeningNumber)).toContain('101-001');
  });

  it('derives visits from the LB sample dates without SV, and day 0 from the randomization date', () => {
    const datasets = { ...fixtureDatasets() };
    delete (datasets as Record<string, unknown>).SV;
    const outcome = planImport(
      nrProtocol(),
      {
        ...datasets,
        LB: fixtureDatasets({
          LB: (t) =>
            t
              .split('\n')
              .filter((l) => !l.includes(`${U}101-004,2,`))
              .join('\n'),
        }).LB,
      },
      TODAY,
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues));
    const d0 = outcome.plan.visits.filter((v) => v.visit === 'D0');
    expect(d0.find((v) => v.usubjid === `${U}101-001`)).toMatchObject({ date: '2006-01-17', source: 'lb' });
    expect(d0.find((v) => v.usubjid === `${U}101-004`)).toMatchObject({
      date: '2006-01-26',
      source: 'randomization',
    });
    expect(outcome.plan.notes).toContain(
      '1 D0 visit(s) dated on the randomization date (no D0 visit in SV or LB)',
    );
  });

  // Each case: the edit, and one refused row it must produce (file, line, reason).
  const cases: [string, Edits, SdtmIssue][] = [
    // Headers and rows.
    [
      'an unknown column and a missing required one',
      { LB: on(1, 'LBORRESU', 'LBORRESX') },
      { file: 'lb.csv', line: 1, reason: 'missing required column(s) LBORRESU' },
    ],
    [
      'a column that is not a variable of the domain',
      { LB: on(1, 'LBORRESU', 'LBORRESU,COMMENT') },
      { file: 'lb.csv', line: 1, reason: 'unknown column "COMMENT": not a variable of LB' },
    ],
    [
      'an empty file',
      { AE: () => '' },
      { file: 'ae.csv', line: 1, reason: 'is empty: it needs a header row naming the AE variables' },
    ],
    [
      'a row with a field too many',
      { LB: on(2, 'SCREENING,2006-01-03T09:15', 'SCREENING,2006-01-03T09:15,x') },
      { file: 'lb.csv', line: 2, reason: 'has 20 field(s) where the header has 19' },
    ],
    [
      'a row of another domain',
      { LB: on(2, ',LB,', ',AE,') },
      { file: 'lb.csv', line: 2, reason: 'DOMAIN is "AE", not LB' },
    ],
    // DM and SUPPDM.
    [
      'an ARMCD that is not an arm (the subject’s other rows are not reported again)',
      { DM: on(2, ',TRIPLE,Celgosivir + peginterferon alfa-2b + ribavirin,TRIPLE', ',PLACEBO,x,TRIPLE') },
      {
        file: 'dm.csv',
        line: 2,
        reason:
          'ARMCD "PLACEBO" is not an arm of the protocol (one of TRIPLE, DOUBLE, CONTROL, SCRNFAIL or NOTASSGN, or empty)',
      },
    ],
    [
      'a USUBJID twice',
      { DM: on(3, `${U}101-002,101-002`, `${U}101-001,101-002`) },
      { file: 'dm.csv', line: 3, reason: `USUBJID ${U}101-001 is already on line 2` },
    ],
    [
      'a partial consent date',
      { DM: on(2, '2006-01-03,101', '2006-01,101') },
      {
        file: 'dm.csv',
        line: 2,
        reason: 'RFICDTC "2006-01" is a partial date: only complete dates (YYYY-MM-DD) are imported',
      },
    ],
    [
      'a randomization before consent',
      { DM: on(2, '2006-01-03,101', '2006-01-20,101') },
      { file: 'dm.csv', line: 2, reason: 'randomized on 2006-01-17, before informed consent (2006-01-20)' },
    ],
    [
      'a randomized subject without its stratification level',
      { SUPPDM: on(2, 'PRIORRESP', 'PRIORRSP') },
      {
        file: 'dm.csv',
        line: 2,
        reason:
          'no SUPPDM record with QNAM PRIORRESP: a randomized subject needs its Response to prior optimized peginterferon + ribavirin level',
      },
    ],
    [
      'a level the factor does not have',
      { SUPPDM: on(2, ',NR,CRF', ',XX,CRF') },
      { file: 'suppdm.csv', line: 2, reason: 'QVAL "XX" is not a level of PRIORRESP (one of NR or PR)' },
    ],
    [
      'a SUPPDM record of no subject',
      { SUPPDM: on(2, `${U}101-001`, `${U}999-001`) },
      { file: 'suppdm.csv', line: 2, reason: `USUBJID ${U}999-001 is not a subject of DM` },
    ],
    // SV and LB.
    [
      'a visit for a screen failure',
      { SV: append(`MX3253-201,SV,${U}101-005,1,SCREENING,SCREENING,2006-01-18,2006-01-18`) },
      {
        file: 'sv.csv',
        line: 73,
        reason: `SCR of ${U}101-005: the subject failed screening: no study data is recorded`,
      },
    ],
    [
      'an extension visit without the election',
      { DS: on(5, 'CONTINUE,EXTENSION ELECTED', 'CONTINUE,EXTENSION DISCUSSED') },
      {
        file: 'sv.csv',
        line: 9,
        reason: `W16 of ${U}101-001: the subject has not elected the extension to 48 weeks: record the election first`,
      },
    ],
    [
      'a result that is not a number',
      { LB: on(2, ',3500000,IU/mL,', ',lots,IU/mL,') },
      { file: 'lb.csv', line: 2, reason: 'LBORRES must be a number, not "lots"' },
    ],
    [
      'a quantified result below the LLOQ',
      { LB: on(2, ',3500000,IU/mL,', ',12,IU/mL,') },
      {
        file: 'lb.csv',
        line: 2,
        reason: 'LBORRES 12 is below the assay\'s LLOQ of 15: report it as "<15"',
      },
    ],
    [
      'a unit that is not the measure’s',
      { LB: on(2, ',3500000,IU/mL,', ',3500000,copies/mL,') },
      {
        file: 'lb.csv',
        line: 2,
        reason: 'LBORRESU: unit "copies/mL" is not the unit of this measure (IU/mL)',
      },
    ],
    [
      'a VISIT the protocol lacks',
      { LB: on(2, ',1,SCREENING,SCREENING,', ',1,WEEK 3,SCREENING,') },
      {
        file: 'lb.csv',
        line: 2,
        reason:
          'VISIT "WEEK 3" is not a visit of the protocol (known: SCR, D0, W1, W2, W4, W8, W12, W16, W24, W36, W48)',
      },
    ],
    [
      'a VISITNUM that contradicts SV',
      { LB: on(3, ',2,DAY 0,', ',12,DAY 0,') },
      { file: 'lb.csv', line: 3, reason: 'VISITNUM 12 for D0, where sv.csv line 3 gives it VISITNUM 2' },
    ],
    [
      'a baseline flag off the baseline visit',
      { LB: on(2, 'TAQMAN),,1,SCREENING', 'TAQMAN),Y,1,SCREENING') },
      { file: 'lb.csv', line: 2, reason: 'LBBLFL is Y at SCR, but the baseline of HCVRNA is D0' },
    ],
    [
      'a result twice',
      { LB: copyLine(3) },
      { file: 'lb.csv', line: 74, reason: `HCVRNA of ${U}101-001 at D0 is already on line 3` },
    ],
    [
      'a sample date in the future (hard edit check)',
      { LB: on(2, '2006-01-03T09:15', '2027-01-03T09:15') },
      {
        file: 'lb.csv',
        line: 2,
        reason: 'LBDTC: 2027-01-03 is in the future (today is 2026-01-01) (edit check NOT_FUTURE)',
      },
    ],
    [
      'a sample before consent',
      { LB: on(2, '2006-01-03T09:15', '2006-01-02T09:15') },
      {
        file: 'lb.csv',
        line: 2,
        reason: 'LBDTC: 2006-01-02 is before informed consent (2006-01-03) (edit check AFTER_CONSENT)',
      },
    ],
    [
      'a result without its assay (the protocol requires it)',
      { LB: on(2, 'QUANTITATIVE PCR (COBAS TAQMAN)', '') },
      { file: 'lb.csv', line: 2, reason: 'LBMETHOD: is required (edit check ASSAY)' },
    ],
    // AE and SUPPAE.
    [
      'an AEREL that is not a causality term',
      { AE: on(3, 'POSSIBLY RELATED', 'MAYBE') },
      {
        file: 'ae.csv',
        line: 3,
        reason:
          'AEREL "MAYBE" is not a causality term (one of NOT RELATED, UNLIKELY RELATED, POSSIBLY RELATED, PROBABLY RELATED or DEFINITELY RELATED; or our not_related, unlikely, possible, probable, definite)',
      },
    ],
    [
      'an AEOUT that is not an outcome term',
      { AE: on(3, 'RECOVERED/RESOLVED', 'GONE') },
      {
        file: 'ae.csv',
        line: 3,
        reason:
          'AEOUT "GONE" is not an outcome term (one of RECOVERED/RESOLVED, RECOVERING/RESOLVING, NOT RECOVERED/NOT RESOLVED, RECOVERED/RESOLVED WITH SEQUELAE, FATAL or UNKNOWN)',
      },
    ],
    [
      'an AEACN of several actions',
      { AE: on(3, 'DOSE NOT CHANGED', 'MULTIPLE') },
      {
        file: 'ae.csv',
        line: 3,
        reason: 'AEACN MULTIPLE is not imported: give the action taken with study treatment as one term',
      },
    ],
    [
      'a grade 5 event that is not fatal',
      { AE: on(3, ',MILD,1,', ',MILD,5,') },
      { file: 'ae.csv', line: 3, reason: 'AEOUT must be FATAL for a grade 5 event' },
    ],
    [
      'an event ending before its onset',
      { AE: on(3, '2006-01-27', '2006-01-19') },
      {
        file: 'ae.csv',
        line: 3,
        reason:
          'AEENDTC: the end date 2006-01-19 is before the onset date 2006-01-20 (edit check END_AFTER_ONSET)',
      },
    ],
    [
      'an event of a screen failure',
      { AE: on(3, `${U}101-001`, `${U}101-005`) },
      {
        file: 'ae.csv',
        line: 3,
        reason: `${U}101-005 is not randomized (a screen failure): no adverse event is recorded`,
      },
    ],
    [
      'an event of no subject',
      { AE: on(3, `${U}101-001`, `${U}999-001`) },
      { file: 'ae.csv', line: 3, reason: `USUBJID ${U}999-001 is not a subject of DM` },
    ],
    [
      'an event without the relatedness to every drug',
      { SUPPAE: on(3, 'AEREL2', 'AERELX') },
      {
        file: 'ae.csv',
        line: 2,
        reason:
          'AEREL is empty and SUPPAE gives no relatedness to PEGIFN (QNAM AEREL2): the relatedness to each study drug is required',
      },
    ],
    [
      'a SUPPAE AERELn whose QLABEL names another drug',
      { SUPPAE: on(2, 'Relationship to CELGOSIVIR', 'Relationship to RBV') },
      {
        file: 'suppae.csv',
        line: 2,
        reason: "QLABEL names RBV, but AEREL1 is CELGOSIVIR (the protocol's drug 1)",
      },
    ],
    [
      'a SUPPAE record of no event',
      { SUPPAE: on(2, 'AESEQ,1,AEREL1', 'AESEQ,9,AEREL1') },
      { file: 'suppae.csv', line: 2, reason: `no AE of ${U}101-003 has AESEQ 9` },
    ],
    // DS and SUPPDS.
    [
      'a DSDECOD that is no disposition',
      { DS: on(4, 'COMPLETED,COMPLETED,DISPOSITION', 'COMPLETED,FINISHED,DISPOSITION') },
      {
        file: 'ds.csv',
        line: 4,
        reason:
          'DSDECOD "FINISHED" is not a disposition term (COMPLETED or a reason for non-completion such as ADVERSE EVENT)',
      },
    ],
    [
      'an EPOCH that is no phase',
      { DS: on(4, 'DISPOSITION EVENT,TREATMENT', 'DISPOSITION EVENT,FOLLOW-UP') },
      {
        file: 'ds.csv',
        line: 4,
        reason:
          'EPOCH "FOLLOW-UP" is not a phase of the protocol (MAIN, EXT; TREATMENT is the main phase, EXTENSION the extension; SCREENING for screening dispositions)',
      },
    ],
    [
      'an election of no option',
      { DS: on(5, 'CONTINUE,EXTENSION ELECTED', 'STOP,EXTENSION ELECTED') },
      {
        file: 'ds.csv',
        line: 5,
        reason: 'DSTERM "STOP" is not an option of the EXT election (CONTINUE, SWITCH)',
      },
    ],
    [
      'an extension disposition without the election',
      {
        DS: append(`MX3253-201,DS,${U}101-004,4,COMPLETED,COMPLETED,DISPOSITION EVENT,EXTENSION,2006-10-01`),
      },
      {
        file: 'ds.csv',
        line: 39,
        reason: `${U}101-004 has not entered the EXT phase: DS has no EXTENSION ELECTED milestone for them`,
      },
    ],
    [
      'a disposition of a phase twice',
      { DS: copyLine(4) },
      { file: 'ds.csv', line: 39, reason: `the MAIN disposition of ${U}101-001 is already on line 4` },
    ],
    [
      'a screen failure of a randomized subject',
      { DS: on(17, `${U}101-005`, `${U}101-001`) },
      {
        file: 'ds.csv',
        line: 17,
        reason: `${U}101-001 is randomized: a disposition at SCREENING (SCREEN FAILURE) contradicts DM`,
      },
    ],
    [
      'a DSTERM naming two drugs without SUPPDS',
      {
        DS: on(12, 'Severe depression on peginterferon', 'Depression on PEGIFN and RBV'),
        SUPPDS: (t) => t.split('\n')[0] ?? '',
      },
      {
        file: 'ds.csv',
        line: 12,
        reason:
          'DSTERM names several study drugs (PEGIFN, RBV): give the one the discontinuation is attributed to in SUPPDS QNAM RELDRUG',
      },
    ],
    [
      'a RELDRUG of a completion',
      { SUPPDS: on(2, `${U}101-003`, `${U}101-001`) },
      {
        file: 'suppds.csv',
        line: 2,
        reason: 'RELDRUG applies to a discontinuation for an ADVERSE EVENT, not to COMPLETED',
      },
    ],
    [
      'a RELDRUG that is no study drug',
      { SUPPDS: on(2, ',PEGIFN,CRF', ',ASPIRIN,CRF') },
      { file: 'suppds.csv', line: 2, reason: 'QVAL "ASPIRIN" is not a study drug (CELGOSIVIR, PEGIFN, RBV)' },
    ],
    // EX.
    [
      'an EXTRT that is no study drug',
      { EX: on(2, 'CELGOSIVIR', 'ASPIRIN') },
      {
        file: 'ex.csv',
        line: 2,
        reason: 'EXTRT "ASPIRIN" is not a study drug (CELGOSIVIR, PEGIFN, RBV, or a masked drug\'s PLACEBO)',
      },
    ],
  ];

  it.each(cases)('refuses %s, naming the file, line and reason', (_name, edits, expected) => {
    expect(issuesOf(edits)).toContainEqual(expected);
  });

  it('reports a refused subject once, not each of its other records', () => {
    expect(
      issuesOf({
        DM: on(2, ',TRIPLE,Celgosivir + peginterferon alfa-2b + ribavirin,TRIPLE', ',PLACEBO,x,TRIPLE'),
      }),
    ).toHaveLength(1);
  });

  it('refuses a randomization beyond an arm’s cap', () => {
    const protocol = nrProtocol();
    const capped = {
      ...protocol,
      arms: protocol.arms.map((a) => (a.code === 'TRIPLE' ? { ...a, cap: 3 } : a)),
    };
    expect(issuesOf({}, capped)).toEqual([
      {
        file: 'dm.csv',
        line: 11,
        reason: `arm TRIPLE is capped at 3 subjects: ${U}102-004 would be number 4`,
      },
    ]);
  });

  it('lists the refused rows by file, in the order of the domains, then by line', () => {
    const issues = issuesOf({
      EX: on(2, 'CELGOSIVIR', 'ASPIRIN'),
      LB: on(5, ',IU/mL,', ',g/L,'),
      DM: on(3, '2006-01-05,101', '2006-01,101'),
    });
    expect(issues.map((i) => `${i.file}:${i.line}`)).toEqual(['dm.csv:3', 'lb.csv:5', 'ex.csv:2']);
  });
});

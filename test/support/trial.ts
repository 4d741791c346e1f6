import { randomUUID } from 'node:crypto';
import type { Caller } from '../../src/services/index.js';
import { protocolWithUniqueCode, type World } from './fixtures.js';

/** Answers that make a subject eligible for the non-responder study, at the given prior response. */
export const eligibleNr = (priorResponse: 'NR' | 'PR' = 'NR') => ({
  age: 50,
  hcvGenotype: '1a',
  chronicInfection: true,
  failedPriorPegRbv: true,
  priorResponse,
  hcvRna: 2_000_000,
  decompensatedLiverDisease: false,
  hivCoinfection: false,
  hbvCoinfection: false,
  pregnantOrBreastfeeding: false,
  neutrophils: 2,
  platelets: 150,
  hemoglobin: 14,
});

export const inAYear = (): string => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

export interface Trial {
  readonly studyId: string;
  readonly siteIds: readonly string[];
  readonly dm: Caller;
  readonly supply: Caller;
  readonly stat: Caller;
  /** One coordinator and one investigator per site, in site order. */
  readonly coordinators: readonly Caller[];
  readonly investigators: readonly Caller[];
}

/**
 * A running non-responder study: sites, the roles, and each site stocked with `kitsPerDrug` kits of
 * every drug (shipped and received).
 */
export async function nrTrial(
  w: World,
  options: { sites?: number; kitsPerDrug?: number; file?: string } = {},
): Promise<Trial> {
  const admin = await w.admin();
  const { source } = protocolWithUniqueCode(options.file ?? 'protocols/celgosivir-nr-phase2.yaml');
  const study = await w.services.studies.create(admin, { source, fileName: 'trial.yaml' });
  const dm = await w.user([{ role: 'data_manager', studyId: study.id }]);
  const sites = [];
  for (let i = 0; i < (options.sites ?? 1); i++)
    sites.push(
      await w.services.studies.createSite(dm, study.id, { code: `S${i + 1}`, name: `Site ${i + 1}` }),
    );
  const supply = await w.user([{ role: 'drug_supply_manager', studyId: study.id }]);
  const stat = await w.user([{ role: 'unblinded_statistician', studyId: study.id }]);
  const coordinators = [];
  const investigators = [];
  for (const site of sites) {
    coordinators.push(await w.user([{ role: 'site_coordinator', studyId: study.id, siteId: site.id }]));
    investigators.push(await w.user([{ role: 'investigator', studyId: study.id, siteId: site.id }]));
  }
  const kits = options.kitsPerDrug ?? 30;
  const detail = await w.services.studies.get(dm, study.id);
  const drugs = detail.protocol.drugs.filter((d) => d.supply).map((d) => d.code);
  for (const drug of drugs)
    await w.services.supply.createKits(supply, study.id, {
      drug,
      count: kits * sites.length + 10,
      lot: `L-${drug}`,
      expiresOn: inAYear(),
    });
  for (const [i, site] of kits > 0 ? sites.entries() : []) {
    const { shipment } = await w.services.supply.ship(supply, study.id, {
      siteId: site.id,
      kits: drugs.map((drug) => ({ drug, count: kits })),
    });
    await w.services.supply.receive(coordinators[i]!, shipment.id, { damagedKitNumbers: [] });
  }
  return {
    studyId: study.id,
    siteIds: sites.map((s) => s.id),
    dm,
    supply,
    stat,
    coordinators,
    investigators,
  };
}

/** Screens an eligible subject and randomizes them; returns the subject id and the (blinded) allocation. */
export async function screenAndRandomize(w: World, t: Trial, site = 0, priorResponse: 'NR' | 'PR' = 'NR') {
  const coordinator = t.coordinators[site]!;
  const subject = await w.services.subjects.screen(coordinator, t.studyId, {
    siteId: t.siteIds[site]!,
    answers: eligibleNr(priorResponse),
  });
  const allocation = await w.services.randomization.randomize(coordinator, subject.id, {
    requestId: randomUUID(),
    levels: {},
  });
  return { subject, allocation };
}

/** Records the main phase as completed today: the protocol's condition for the extension election. */
export async function completeMainPhase(w: World, t: Trial, subjectId: string, site = 0): Promise<void> {
  await w.services.capture.recordDisposition(t.coordinators[site]!, subjectId, {
    phase: 'MAIN',
    status: 'completed',
    date: new Date().toISOString().slice(0, 10),
  });
}

/** Completes the main phase, then records the extension election `option`. */
export async function completeAndElect(
  w: World,
  t: Trial,
  subjectId: string,
  option: string,
  site = 0,
): Promise<{ phase: string; option: string }> {
  await completeMainPhase(w, t, subjectId, site);
  return w.services.randomization.electExtension(t.coordinators[site]!, subjectId, { option });
}

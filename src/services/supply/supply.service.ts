import { conflict, notFound, validationError } from '../../core/errors.js';
import type { Protocol } from '../../core/protocol/schema.js';
import {
  kitsNeeded,
  newKitNumbers,
  planKitContents,
  splitContents,
  type KitContent,
  type KitNeed,
} from '../../core/supply/kits.js';
import { cryptoRandom, type RandomSource } from '../../core/supply/random.js';
import type { KitRecord, ShipmentRecord } from '../../store/repositories/supply.repository.js';
import type { Store } from '../../store/store.js';
import { authorize, seesArms, sitesAllowing, type Caller } from '../caller.js';
import { randomizationVisit, today } from '../randomization/randomization.service.js';
import { currentProtocol, ensureOpen } from '../subjects/subject.service.js';
import type {
  CreateKitsInput,
  CreateShipmentInput,
  KitQuery,
  ReceiveShipmentInput,
} from './supply.schemas.js';

/** A kit as the caller may see it: the content only for the unblinded, or for unmasked drugs. */
export interface KitListing {
  readonly kitNumber: string;
  readonly drug: string;
  readonly lot: string;
  readonly expiresOn: string;
  readonly status: KitRecord['status'];
  readonly siteId: string | null;
  readonly subjectId: string | null;
  readonly visit: string | null;
  readonly content?: KitContent;
}

export interface SiteInventory {
  readonly siteId: string;
  readonly siteCode: string;
  /** Usable kits at the site per drug (masked drugs: active and placebo together unless unblinded). */
  readonly stock: Readonly<Record<string, number>>;
  readonly inTransit: number;
  /** How many more subjects the site can randomize whatever arm they get. */
  readonly subjectsCovered: number;
  readonly warnings: readonly string[];
}

const isMasked = (protocol: Protocol, drug: string): boolean =>
  protocol.drugs.find((d) => d.code === drug)?.masked ?? false;

function listing(k: KitRecord, protocol: Protocol, unblinded: boolean): KitListing {
  const base = {
    kitNumber: k.kitNumber,
    drug: k.drug,
    lot: k.lot,
    expiresOn: k.expiresOn,
    status: k.status,
    siteId: k.siteId,
    subjectId: k.subjectId,
    visit: k.visitCode,
  };
  return unblinded || !isMasked(protocol, k.drug) ? { ...base, content: k.content } : base;
}

/** Stock keyed `DRUG:active` holding each drug's total, whatever the content. */
function byDrug(stock: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of stock) {
    const drug = key.split(':')[0] ?? key;
    out.set(`${drug}:active`, (out.get(`${drug}:active`) ?? 0) + n);
  }
  return out;
}

/** How many subjects with these needs the stock can serve (capped at 10,000; 0 needs count as none). */
function coverage(stock: ReadonlyMap<string, number>, needs: readonly KitNeed[]): number {
  if (needs.length === 0) return 0;
  const per = new Map<string, number>();
  for (const n of needs) per.set(`${n.drug}:${n.content}`, (per.get(`${n.drug}:${n.content}`) ?? 0) + 1);
  return Math.min(10_000, ...[...per].map(([k, count]) => Math.floor((stock.get(k) ?? 0) / count)));
}

export class SupplyService {
  constructor(
    private readonly store: Store,
    private readonly random: RandomSource = cryptoRandom,
  ) {}

  /**
   * Adds a kit list for a drug to the depot. Kit numbers are random and carry no meaning; kits of a
   * masked drug are a shuffled mix of active and placebo in the proportion the arms need.
   */
  async createKits(
    caller: Caller,
    studyId: string,
    input: CreateKitsInput,
  ): Promise<{ drug: string; lot: string; kitNumbers: string[] }> {
    const actor = authorize(caller, 'supply.manage', { studyId });
    if (input.expiresOn <= today())
      throw validationError('The kits would already be expired', [
        { path: 'expiresOn', message: 'must be after today' },
      ]);
    return this.store.write(actor, async (r) => {
      const { protocol, status } = await currentProtocol(r, studyId, { forWrite: true });
      ensureOpen(status);
      if (!protocol.drugs.some((d) => d.code === input.drug))
        throw validationError(`Unknown drug ${input.drug}`, [
          { path: 'drug', message: `must be one of ${protocol.drugs.map((d) => d.code).join(', ')}` },
        ]);
      const contents: KitContent[] = isMasked(protocol, input.drug)
        ? planKitContents(protocol, input.drug, input.count, this.random)
        : Array<KitContent>(input.count).fill('active');
      const numbers = newKitNumbers(input.count, await r.supply.kitNumbers(studyId), this.random);
      await r.supply.createKits({
        studyId,
        drug: input.drug,
        lot: input.lot,
        expiresOn: input.expiresOn,
        kits: numbers.map((kitNumber, i) => ({ kitNumber, content: contents[i] ?? 'active' })),
      });
      // By number, like every list of kits: one order for all, whatever is behind it.
      return { drug: input.drug, lot: input.lot, kitNumbers: [...numbers].sort() };
    });
  }

  /**
   * Ships kits from the depot to a site, earliest expiry first. For a masked drug the system picks the
   * active/placebo mix, so the (blinded) supply manager only says how many kits of each drug.
   */
  async ship(
    caller: Caller,
    studyId: string,
    input: CreateShipmentInput,
  ): Promise<{ shipment: ShipmentRecord; kitNumbers: string[] }> {
    const actor = authorize(caller, 'supply.manage', { studyId });
    return this.store.write(actor, async (r) => {
      const { protocol, status } = await currentProtocol(r, studyId, { forWrite: true });
      ensureOpen(status);
      const site = await r.sites.get(input.siteId);
      if (!site || site.studyId !== studyId)
        throw validationError('The site is not a site of this study', [
          { path: 'siteId', message: 'not a site of the study' },
        ]);
      const picked: KitRecord[] = [];
      for (const [i, line] of input.kits.entries()) {
        if (!protocol.drugs.some((d) => d.code === line.drug))
          throw validationError(`Unknown drug ${line.drug}`, [
            { path: `kits.${i}.drug`, message: 'not a drug of the protocol' },
          ]);
        const wanted = new Map<KitContent, number>(
          isMasked(protocol, line.drug)
            ? splitContents(protocol, line.drug, line.count, this.random)
            : [['active', line.count]],
        );
        const kits = await r.supply.pickFromDepot({
          studyId,
          drug: line.drug,
          wanted,
          usableAfter: today(),
          random: this.random,
        });
        if (!kits)
          throw conflict(
            `The depot has too few usable ${line.drug} kits for this shipment: nothing was shipped`,
            { drug: line.drug },
          );
        picked.push(...kits);
      }
      const shipment = await r.supply.createShipment({
        studyId,
        siteId: site.id,
        kits: picked,
        shippedBy: caller.userId,
      });
      return { shipment, kitNumbers: picked.map((k) => k.kitNumber).sort() };
    });
  }

  /** The site confirms a shipment's arrival; damaged kits are set aside. */
  async receive(caller: Caller, shipmentId: string, input: ReceiveShipmentInput): Promise<ShipmentRecord> {
    const shipment = await this.store.read((r) => r.supply.shipment(shipmentId));
    if (!shipment) throw notFound('Shipment', shipmentId);
    const actor = authorize(caller, 'supply.receive', { studyId: shipment.studyId, siteId: shipment.siteId });
    return this.store.write(actor, async (r) => {
      ensureOpen((await currentProtocol(r, shipment.studyId, { forWrite: true })).status);
      if (shipment.status !== 'in_transit') throw conflict('The shipment was already received');
      const inShipment = new Set(
        (await r.supply.kits(shipment.studyId, { shipmentId })).map((k) => k.kitNumber),
      );
      const strangers = input.damagedKitNumbers.filter((k) => !inShipment.has(k));
      if (strangers.length > 0)
        throw validationError(`Not in this shipment: ${strangers.join(', ')}`, [
          { path: 'damagedKitNumbers', message: `not in this shipment: ${strangers.join(', ')}` },
        ]);
      const received = await r.supply.receiveShipment({
        shipment,
        damaged: input.damagedKitNumbers,
        receivedBy: caller.userId,
      });
      // Someone else confirmed it between our read and our update.
      if (!received) throw conflict('The shipment was already received');
      return received;
    });
  }

  async shipments(caller: Caller, studyId: string): Promise<ShipmentRecord[]> {
    const sites = sitesAllowing(caller, 'supply.read', studyId);
    return this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      return r.supply.shipments(studyId, sites ?? undefined);
    });
  }

  async kits(caller: Caller, studyId: string, q: KitQuery): Promise<KitListing[]> {
    const sites = sitesAllowing(caller, 'supply.read', studyId);
    if (sites && q.siteId && !sites.includes(q.siteId))
      authorize(caller, 'supply.read', { studyId, siteId: q.siteId });
    const unblinded = seesArms(caller, studyId);
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const siteIds = q.siteId ? [q.siteId] : (sites ?? undefined);
      const kits = await r.supply.kits(studyId, { siteIds, status: q.status, drug: q.drug });
      // Depot kits belong to no site: site staff never see the depot.
      return kits
        .filter((k) => sites === null || k.siteId !== null)
        .map((k) => listing(k, protocol, unblinded));
    });
  }

  /**
   * Stock per site with low-stock warnings: a site is warned when it could randomize fewer than the
   * protocol's `supplyPolicy.lowStockSubjects` more subjects in every arm. Warnings name drugs, never
   * arms or contents.
   */
  async inventory(caller: Caller, studyId: string): Promise<SiteInventory[]> {
    const sites = sitesAllowing(caller, 'supply.read', studyId);
    const unblinded = seesArms(caller, studyId);
    return this.store.read(async (r) => {
      const { protocol } = await currentProtocol(r, studyId);
      const visit = randomizationVisit(protocol);
      const counts = await r.randomization.armCounts(studyId);
      const open = protocol.arms.filter((a) => a.cap === undefined || (counts[a.code] ?? 0) < a.cap);
      const inTransit = await r.supply.kits(studyId, { status: 'in_transit', siteIds: sites ?? undefined });
      const result: SiteInventory[] = [];
      for (const site of await r.sites.list(studyId, sites ?? undefined)) {
        const exact = await r.supply.siteStock(studyId, site.id, today());
        // Blinded callers get figures computed from per-drug totals only: per-content figures would
        // change in a way that tells which content the last dispensing took.
        const stock = unblinded ? exact : byDrug(exact);
        const needsOf = (arm: string): KitNeed[] => {
          const needs = kitsNeeded(protocol, arm, visit);
          return unblinded ? needs : needs.map((n) => ({ drug: n.drug, content: 'active' }));
        };
        const subjectsCovered =
          open.length === 0 ? 0 : Math.min(...open.map((a) => coverage(stock, needsOf(a.code))));
        const short = new Set<string>();
        for (const a of open)
          for (const need of needsOf(a.code))
            if ((stock.get(`${need.drug}:${need.content}`) ?? 0) < protocol.supplyPolicy.lowStockSubjects)
              short.add(need.drug);
        const warnings =
          open.length > 0 && subjectsCovered < protocol.supplyPolicy.lowStockSubjects
            ? [
                subjectsCovered === 0
                  ? `Site ${site.code} cannot randomize: resupply ${[...short].sort().join(', ')}`
                  : `Site ${site.code} can randomize only ${subjectsCovered} more subject(s) in every arm: resupply ${[...short].sort().join(', ')}`,
              ]
            : [];
        const perDrug: Record<string, number> = {};
        for (const [key, n] of exact) {
          const [drug, content] = key.split(':') as [string, KitContent];
          const label = unblinded && isMasked(protocol, drug) ? `${drug}:${content}` : drug;
          perDrug[label] = (perDrug[label] ?? 0) + n;
        }
        result.push({
          siteId: site.id,
          siteCode: site.code,
          stock: perDrug,
          inTransit: inTransit.filter((k) => k.siteId === site.id).length,
          subjectsCovered,
          warnings,
        });
      }
      return result;
    });
  }
}

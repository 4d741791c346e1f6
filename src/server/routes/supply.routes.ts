import { z } from 'zod';
import {
  createKitsSchema,
  createShipmentSchema,
  kitQuerySchema,
  receiveShipmentSchema,
} from '../../services/supply/supply.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

export const supplyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/kits',
    summary:
      'Adds a kit list to the depot (drug supply manager); masked drugs get a shuffled active/placebo mix.',
    tag: 'supply',
    auth: true,
    params: studyParams,
    body: createKitsSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.supply.createKits(await caller(), params.studyId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/kits',
    summary: 'Kits with status and place; the content of masked kits only for the unblinded statistician.',
    tag: 'supply',
    auth: true,
    params: studyParams,
    query: kitQuerySchema,
    handler: async ({ services, caller, params, query }) =>
      services.supply.kits(await caller(), params.studyId, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/shipments',
    summary: 'Ships kits from the depot to a site, earliest expiry first (drug supply manager).',
    tag: 'supply',
    auth: true,
    params: studyParams,
    body: createShipmentSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.supply.ship(await caller(), params.studyId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/shipments',
    summary: 'Shipments of the study (site roles: to their sites).',
    tag: 'supply',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.supply.shipments(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/shipments/:shipmentId/receive',
    summary: 'The site confirms a shipment’s arrival; damaged kits are set aside.',
    tag: 'supply',
    auth: true,
    params: z.strictObject({ shipmentId: z.uuid('must be a shipment id') }),
    body: receiveShipmentSchema,
    handler: async ({ services, caller, params, body }) =>
      services.supply.receive(await caller(), params.shipmentId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/inventory',
    summary: 'Usable stock per site, kits in transit, and low-stock warnings (naming drugs, never arms).',
    tag: 'supply',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.supply.inventory(await caller(), params.studyId),
  }),
];

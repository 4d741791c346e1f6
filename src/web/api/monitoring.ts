/**
 * Wire shapes and calls of the monitoring and sponsor pages: enrollment, queries, central-lab imports,
 * drug supply and the database lock. Types come from the services (type-only imports).
 */
import type { LabImportRecord, LabImportReport } from '../../services/capture/lab-import.service.js';
import type { QueryThread as QueryThreadRecord } from '../../services/capture/query.service.js';
import type { Enrollment as EnrollmentRecord } from '../../services/subjects/subject.service.js';
import type { SiteInventory as SiteInventoryRecord } from '../../services/supply/supply.service.js';
import type { ShipmentRecord } from '../../store/repositories/supply.repository.js';
import { api, query, type Wire } from './client.js';

export type Enrollment = Wire<EnrollmentRecord>;
export type EnrollmentCounts = Enrollment['total'];
export type QueryThread = Wire<QueryThreadRecord>;
export type QueryStatus = QueryThread['status'];
export type QueryStep = 'answer' | 'close' | 'reopen';
export type LabReport = Wire<LabImportReport>;
export type LabImport = Wire<LabImportRecord>;
export type SiteInventory = Wire<SiteInventoryRecord>;
export type Shipment = Wire<ShipmentRecord>;

export const enrollmentPath = (studyId: string): string => `/api/studies/${studyId}/enrollment`;

export const queriesPath = (
  studyId: string,
  status: QueryStatus | undefined,
  siteId: string | undefined,
): string => `/api/studies/${studyId}/queries${query({ status, siteId })}`;

export const stepQuery = (queryId: string, step: QueryStep, text: string): Promise<QueryThread> =>
  api.post<QueryThread>(`/api/queries/${queryId}/${step}`, { text });

export const labImportsPath = (studyId: string): string => `/api/studies/${studyId}/lab-imports`;

/** Sends the CSV file as it is: the server streams it, so a large file is never parsed here. */
export const uploadLabCsv = (
  studyId: string,
  file: Blob,
  options: { dryRun: boolean; fileName: string; assay?: string | undefined },
): Promise<LabReport> =>
  api.upload<LabReport>(
    `${labImportsPath(studyId)}${query({
      dryRun: options.dryRun,
      fileName: options.fileName,
      assay: options.assay || undefined,
    })}`,
    file,
    'text/csv',
  );

export const inventoryPath = (studyId: string): string => `/api/studies/${studyId}/inventory`;
export const shipmentsPath = (studyId: string): string => `/api/studies/${studyId}/shipments`;

export const ship = (
  studyId: string,
  siteId: string,
  kits: readonly { drug: string; count: number }[],
): Promise<{ shipment: Shipment; kitNumbers: string[] }> =>
  api.post(shipmentsPath(studyId), { siteId, kits });

export const registerKits = (
  studyId: string,
  // A blank count is sent as absent, so the server names the field rather than the page guessing.
  input: { drug: string; count: number | undefined; lot: string; expiresOn: string },
): Promise<{ drug: string; lot: string; kitNumbers: string[] }> =>
  api.post(`/api/studies/${studyId}/kits`, input);

export const receiveShipment = (
  shipmentId: string,
  damagedKitNumbers: readonly string[],
): Promise<Shipment> => api.post<Shipment>(`/api/shipments/${shipmentId}/receive`, { damagedKitNumbers });

export const lockStudy = (studyId: string): Promise<{ status: string }> =>
  api.post(`/api/studies/${studyId}/lock`, {});

export const unlockStudy = (studyId: string, reason: string): Promise<{ status: string }> =>
  api.post(`/api/studies/${studyId}/unlock`, { reason });

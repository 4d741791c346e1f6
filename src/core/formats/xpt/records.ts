import { byteLength, type CheckedDataset, type PlacedVariable } from './rules.js';
import type { SasFormat, XptStamps } from './types.js';

/** Every record of the file's headers is 80 bytes; so are the blocks the data are padded to. */
export const RECORD = 80;
/** A namestr record (one variable's description) on every host but VAX/VMS, where it is 136. */
export const NAMESTR = 140;

const PREFIX = 'HEADER RECORD*******';
export const HEADERS = {
  library: `${PREFIX}LIBRARY HEADER RECORD!!!!!!!`,
  member: `${PREFIX}MEMBER  HEADER RECORD!!!!!!!`,
  descriptor: `${PREFIX}DSCRPTR HEADER RECORD!!!!!!!`,
  namestr: `${PREFIX}NAMESTR HEADER RECORD!!!!!!!`,
  obs: `${PREFIX}OBS     HEADER RECORD!!!!!!!`,
} as const;
const ZEROS30 = '0'.repeat(30);

const encoder = new TextEncoder();
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** A string left-aligned in `width` bytes, blank-padded (the caller has checked it fits). */
export function padded(text: string, width: number): Uint8Array {
  const out = new Uint8Array(width).fill(0x20);
  out.set(encoder.encode(text).subarray(0, width));
  return out;
}

const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - byteLength(text)));

/** SAS's header date stamp, `ddMMMyy:hh:mm:ss`, in UTC. */
export function sasStamp(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${two(d.getUTCDate())}${MONTHS[d.getUTCMonth()] ?? 'JAN'}${two(d.getUTCFullYear() % 100)}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}

/** The three 80-byte records opening a transport file. */
export function libraryHeader(stamps: XptStamps): Uint8Array {
  const created = sasStamp(stamps.created);
  const text =
    `${HEADERS.library}${ZEROS30}  ` +
    `SAS     SAS     SASLIB  ${pad(stamps.sasVersion ?? '9.4', 8)}${pad(stamps.os ?? 'trialdsk', 8)}${' '.repeat(24)}${created}` +
    pad(sasStamp(stamps.modified ?? stamps.created), RECORD);
  return encoder.encode(text);
}

function setFormat(view: DataView, bytes: Uint8Array, at: number, f: SasFormat | undefined): void {
  bytes.set(padded(f?.name ?? '', 8), at);
  view.setInt16(at + 8, f?.width ?? 0);
  view.setInt16(at + 10, f?.decimals ?? 0);
}

/** One variable's 140-byte namestr record. */
export function namestr(v: PlacedVariable, index: number): Uint8Array {
  const bytes = new Uint8Array(NAMESTR);
  const view = new DataView(bytes.buffer);
  view.setInt16(0, v.type === 'num' ? 1 : 2);
  view.setInt16(2, 0);
  view.setInt16(4, v.length);
  view.setInt16(6, index + 1);
  bytes.set(padded(v.name, 8), 8);
  bytes.set(padded(v.label ?? '', 40), 16);
  setFormat(view, bytes, 56, v.format);
  view.setInt16(68, v.justify ?? 0);
  // 70–71: filler, zero.
  setFormat(view, bytes, 72, v.informat);
  view.setInt32(84, v.position);
  // 88–139: unused, zero.
  return bytes;
}

/** A member's headers: member and descriptor records, the namestrs (padded to 80 bytes), the OBS record. */
export function memberHeader(checked: CheckedDataset, stamps: XptStamps): Uint8Array {
  const { dataset, variables } = checked;
  const created = sasStamp(stamps.created);
  const modified = sasStamp(stamps.modified ?? stamps.created);
  const head = encoder.encode(
    `${HEADERS.member}00000000000000000160000000${String(NAMESTR).padStart(4, '0')}  ` +
      `${HEADERS.descriptor}${ZEROS30}  ` +
      `SAS     ${pad(dataset.name, 8)}SASDATA ${pad(stamps.sasVersion ?? '9.4', 8)}${pad(stamps.os ?? 'trialdsk', 8)}${' '.repeat(24)}${created}` +
      `${modified}${' '.repeat(16)}${pad(dataset.label ?? '', 40)}${pad(dataset.type ?? '', 8)}` +
      `${HEADERS.namestr}000000${String(variables.length).padStart(4, '0')}${'0'.repeat(20)}  `,
  );
  const names = variables.length * NAMESTR;
  const namesPadded = Math.ceil(names / RECORD) * RECORD;
  const obs = encoder.encode(`${HEADERS.obs}${ZEROS30}  `);
  const out = new Uint8Array(head.length + namesPadded + RECORD).fill(0x20);
  out.set(head, 0);
  variables.forEach((v, i) => out.set(namestr(v, i), head.length + i * NAMESTR));
  out.set(obs, head.length + namesPadded);
  return out;
}

import type { Role } from '../core/auth/roles.js';
import type { AeAction, AeOutcome, DiscontinuationReason, Relatedness } from '../core/capture/vocabulary.js';

// A small typed client of the trialdesk HTTP API (fetch only), as a script at a site or a sponsor
// would use it: sign in, take an API token, call the endpoints. Every refusal is an ApiError naming
// the request, the status, the error code and the server's message.

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** A refused request (or an unreachable server: status 0, code `unreachable`). */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly details: unknown,
  ) {
    super(`${method} ${path} → ${status === 0 ? 'no answer' : status} ${code}: ${serverMessage}`);
    this.name = 'ApiError';
  }
}

export interface StudyBody {
  readonly id: string;
  readonly code: string;
}
export interface SiteBody {
  readonly id: string;
  readonly code: string;
}
export interface SubjectBody {
  readonly id: string;
  readonly siteId: string;
  readonly screeningNumber: string;
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
}
export interface AllocationBody {
  readonly subjectId: string;
  readonly randomizationNumber: number;
  /** Only for the unblinded statistician. */
  readonly arm?: string;
}
/** What a data-capture write returns: the record and the queries its soft edit checks opened. */
export interface SavedBody {
  readonly record: { readonly id?: string };
  readonly queries: readonly unknown[];
}
export interface VerifyBody {
  readonly ok: boolean;
  readonly allocations: number;
  readonly mismatches: readonly unknown[];
}

export interface AdverseEventBody {
  readonly verbatimTerm: string;
  readonly codedTerm?: string;
  readonly bodySystem?: string;
  readonly grade: number;
  readonly serious: boolean;
  readonly relatedness: Readonly<Record<string, Relatedness>>;
  readonly onsetDate: string;
  readonly endDate?: string | null;
  readonly outcome: AeOutcome;
  readonly actionTaken: AeAction;
}
export interface DispositionBody {
  readonly phase: string;
  readonly status: 'completed' | 'discontinued';
  readonly date: string;
  readonly reason?: DiscontinuationReason;
  readonly relatedDrug?: string;
  readonly detail?: string;
}
export interface RoleGrant {
  readonly role: Role;
  readonly studyId?: string;
  readonly siteId?: string;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

async function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  try {
    return await fetch(`${baseUrl}${path}`, init);
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new ApiError(method, path, 0, 'unreachable', `cannot reach ${baseUrl}: ${cause}`, null);
  }
}

async function parse<T>(method: string, path: string, res: Response): Promise<T> {
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
      ?.error;
    throw new ApiError(
      method,
      path,
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? (text.slice(0, 200) || res.statusText),
      error?.details ?? null,
    );
  }
  return json as T;
}

/** A signed-in API user (an API token sent as `Authorization: Bearer`). */
export class ApiClient {
  private constructor(
    readonly baseUrl: string,
    readonly username: string,
    private readonly token: string,
  ) {}

  /**
   * Signs in with the password, takes an API token (as scripts should) and ends the cookie session.
   * Refuses clearly when the account still has a one-time password to change.
   */
  static async signIn(baseUrl: string, credentials: Credentials, tokenName = 'replay'): Promise<ApiClient> {
    const base = trimSlash(baseUrl);
    const path = '/api/auth/sign-in';
    const res = await send(base, 'POST', path, {}, credentials);
    const signedIn = await parse<{ mustChangePassword: boolean }>('POST', path, res);
    if (signedIn.mustChangePassword)
      throw new ApiError(
        'POST',
        path,
        403,
        'forbidden',
        `${credentials.username} still has a one-time password: change it first (POST /api/auth/password)`,
        null,
      );
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0] ?? '')
      .find((c) => c.startsWith('trialdesk_session='));
    if (!cookie)
      throw new ApiError('POST', path, res.status, 'no_session', 'the server set no session cookie', null);
    const session = { cookie };
    const tokensPath = '/api/auth/tokens';
    const issued = await parse<{ token: string }>(
      'POST',
      tokensPath,
      await send(base, 'POST', tokensPath, session, { name: tokenName, days: 1 }),
    );
    await parse('POST', '/api/auth/sign-out', await send(base, 'POST', '/api/auth/sign-out', session));
    return new ApiClient(base, credentials.username, issued.token);
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await send(this.baseUrl, method, path, { authorization: `Bearer ${this.token}` }, body);
    return parse<T>(method, path, res);
  }

  /** Ends the API token's session. */
  async signOut(): Promise<void> {
    await this.request('POST', '/api/auth/sign-out');
  }

  // ---- set-up: studies, sites, users (admin, data manager) ----

  createStudy(source: string, fileName: string): Promise<StudyBody> {
    return this.request('POST', '/api/studies', { source, fileName });
  }

  createSite(studyId: string, site: { code: string; name: string; country?: string }): Promise<SiteBody> {
    return this.request('POST', `/api/studies/${studyId}/sites`, site);
  }

  createUser(user: {
    username: string;
    displayName: string;
    password: string;
    roles: readonly RoleGrant[];
  }): Promise<{ user: { id: string; username: string } }> {
    return this.request('POST', '/api/users', user);
  }

  lockStudy(studyId: string, reason: string): Promise<unknown> {
    return this.request('POST', `/api/studies/${studyId}/lock`, { reason });
  }

  // ---- drug supply ----

  createKits(
    studyId: string,
    kits: { drug: string; count: number; lot: string; expiresOn: string },
  ): Promise<unknown> {
    return this.request('POST', `/api/studies/${studyId}/kits`, kits);
  }

  ship(
    studyId: string,
    siteId: string,
    kits: readonly { drug: string; count: number }[],
  ): Promise<{ shipment: { id: string } }> {
    return this.request('POST', `/api/studies/${studyId}/shipments`, { siteId, kits });
  }

  receive(shipmentId: string): Promise<unknown> {
    return this.request('POST', `/api/shipments/${shipmentId}/receive`, { damagedKitNumbers: [] });
  }

  // ---- screening, randomization, dispensing (sites) ----

  screen(
    studyId: string,
    input: { siteId: string; answers: Readonly<Record<string, unknown>>; consentedOn: string },
  ): Promise<SubjectBody> {
    return this.request('POST', `/api/studies/${studyId}/subjects`, input);
  }

  randomize(subjectId: string, requestId: string): Promise<AllocationBody> {
    return this.request('POST', `/api/subjects/${subjectId}/randomize`, { requestId });
  }

  dispense(subjectId: string, visit: string): Promise<unknown> {
    return this.request('POST', `/api/subjects/${subjectId}/dispense`, { visit });
  }

  elect(subjectId: string, option: string): Promise<unknown> {
    return this.request('POST', `/api/subjects/${subjectId}/extension`, { option });
  }

  // ---- data capture (sites) ----

  recordVisit(subjectId: string, visit: string, date: string): Promise<SavedBody> {
    return this.request('POST', `/api/subjects/${subjectId}/visits`, { visit, date });
  }

  recordResult(
    subjectId: string,
    result: { visit: string; collectedOn: string; result: number | string; assay: string },
  ): Promise<SavedBody> {
    return this.request('POST', `/api/subjects/${subjectId}/results`, result);
  }

  recordAdverseEvent(subjectId: string, event: AdverseEventBody): Promise<SavedBody> {
    return this.request('POST', `/api/subjects/${subjectId}/adverse-events`, event);
  }

  recordDisposition(subjectId: string, disposition: DispositionBody): Promise<SavedBody> {
    return this.request('POST', `/api/subjects/${subjectId}/dispositions`, disposition);
  }

  // ---- the unblinded statistician ----

  allocations(studyId: string): Promise<AllocationBody[]> {
    return this.request('GET', `/api/studies/${studyId}/allocations`);
  }

  verifyRandomization(studyId: string): Promise<VerifyBody> {
    return this.request('POST', `/api/studies/${studyId}/randomization/verify`);
  }

  /** The analysis at the data cut, as the server returns it (checked against the schema by the caller). */
  analysis(studyId: string, dataCut: string): Promise<unknown> {
    return this.request('GET', `/api/studies/${studyId}/analysis?dataCut=${encodeURIComponent(dataCut)}`);
  }
}

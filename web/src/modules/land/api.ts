// Land market API (/api/v1/land/...): lots (announcements, live state, bids), parcels, cases.
import { api } from '../../core/client';

export interface LotOutcome {
  sold: boolean;
  winner_paddle: number | null;
  price_fen: number;
  reason: string;
  reserve_fen: number | null;
  winning_quote_fen: number | null;
  lottery_draw: number | null;
}

export interface Lot {
  id: string;
  method: string;
  phase: string;
  start_price_fen: number;
  increment_fen: number;
  open_at: string;
  close_at: string;
  bid_count: number;
  bidder_count: number;
  countdown_restarts: number;
  high_fen: number | null;
  high_paddle: number | null;
  next_min_fen: number;
  deadline: string | null;
  has_reserve: boolean;
  price_cap_fen: number;
  deposit_fen?: number;
  server_time: string;
  outcome?: LotOutcome;
}

export interface LotSummary {
  id: string;
  title: string;
  division_code: string;
  phase: string;
  method: string;
  high_fen: number;
  deposit_fen: number;
  start_price_fen: number;
  open_at: string;
  close_at: string;
  case_id: string | null;
}

export interface BidRow {
  seq: number;
  at: string;
  paddle: number;
  amount_fen: number;
}

export interface Wallet {
  account_id: string;
  available_fen: number;
  held_fen: number;
}

export interface Standing {
  registered: boolean;
  wallet?: Wallet | null;
  deposit_status?: string;
  paddle?: number;
  deposit_fen: number;
  deposit_held?: boolean;
  opted_in?: boolean;
  last_bid_fen?: number;
  leading?: boolean;
  won?: boolean;
}

export interface Parcel {
  id: string;
  code: string;
  name: string;
  division_code: string;
  collective_id: string;
  geometry: { type: 'Polygon'; coordinates: number[][][] };
  area_m2: number;
  area_mu: number;
  attributes: Record<string, unknown>;
  eligibility_failures: string[];
}

export interface CaseSummary {
  id: string;
  parcel_id: string;
  division_code: string;
  state: string;
  lot_id: string | null;
  updated_at: string;
  parcel_code: string;
  parcel_name: string;
  collective_id?: string;
  vote?: { basis: string; yes: number; eligible: number; meeting_date?: string } | null;
  distribution?: { net_fen: number; retained_fen: number; distributed_fen: number; mode: string; members: number } | null;
  deadlines?: Record<string, string> | null;
}

export interface CaseDetail {
  id: string;
  parcel_id: string;
  division_code: string;
  state: string;
  doc: Record<string, unknown>;
  version: number;
  lot_id: string | null;
  parcel: { code: string; name: string; area_m2: number } | null;
}

export interface CaseEvent {
  seq: number;
  at: string;
  actor: string;
  command: string;
  from: string;
  to: string;
}

export interface Statement {
  member_id: string;
  name: string;
  shares: number;
  amount_fen: number;
  mode: string;
}

const enc = encodeURIComponent;

export const listLots = () => api.get<{ items: LotSummary[] }>('/api/v1/land/lots');
export const getLot = (id: string) => api.get<Lot>(`/api/v1/land/lots/${enc(id)}`);
export const lotBids = (id: string) => api.get<{ items: BidRow[] }>(`/api/v1/land/lots/${enc(id)}/bids`, { query: { limit: 1000 } });
export const myStanding = (id: string) => api.get<Standing>(`/api/v1/land/lots/${enc(id)}/me`);
export const registerForLot = (id: string) => api.post<unknown>(`/api/v1/land/lots/${enc(id)}/register`, {});
export const placeBid = (id: string, amount_fen: number) =>
  api.post<{ result: string; lot: Lot }>(`/api/v1/land/lots/${enc(id)}/bids`, { amount_fen });
export const optIn = (id: string) => api.post<unknown>(`/api/v1/land/lots/${enc(id)}/opt-in`, {});
export const confirmDeposit = (bidder: string, amount_fen: number) =>
  api.post<{ transfer_id: string }>('/api/v1/land/deposits', { bidder, amount_fen });
export const lotEventsUrl = (id: string) => `/api/v1/land/lots/${enc(id)}/events`;

export const listParcels = () => api.get<{ items: Parcel[] }>('/api/v1/land/parcels');
export const listCases = () => api.get<{ items: CaseSummary[] }>('/api/v1/land/cases');
export const getCase = (id: string) => api.get<CaseDetail>(`/api/v1/land/cases/${enc(id)}`);
export const caseEvents = (id: string) => api.get<{ items: CaseEvent[] }>(`/api/v1/land/cases/${enc(id)}/events`);
export const caseStatements = (id: string) =>
  api.get<{ items: Statement[]; distribution: Record<string, number> | null }>(`/api/v1/land/cases/${enc(id)}/statements`);
export const transition = (id: string, command: string, body: Record<string, unknown>) =>
  api.post<{ state: string }>(`/api/v1/land/cases/${enc(id)}/transitions/${enc(command)}`, body);

/** fen -> "1,234,567.89" yuan */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const cents = String(abs % 100).padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${cents}`;
}

/** Milliseconds left until `deadline`, given the server's clock offset (server − local). */
export function remainingMs(deadline: string | null, offsetMs: number, nowMs = Date.now()): number | null {
  if (!deadline) return null;
  const d = new Date(deadline).getTime();
  if (Number.isNaN(d)) return null;
  return Math.max(0, d - (nowMs + offsetMs));
}

/** 272000 -> "04:32"; hours are shown when present ("1:02:03"), days as "3d 04:05:06". */
export function formatCountdown(ms: number): string {
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${two(h)}:${two(m)}:${two(sec)}`;
  if (h > 0) return `${h}:${two(m)}:${two(sec)}`;
  return `${two(m)}:${two(sec)}`;
}

/** The bid ladder: the lowest valid bid and the next steps on the increment grid. */
export function bidLadder(nextMinFen: number, incrementFen: number, steps = [0, 1, 2, 5]): number[] {
  if (incrementFen <= 0) return [nextMinFen];
  return steps.map((k) => nextMinFen + k * incrementFen);
}

/** Which last-minute warning (60 s, 30 s, 10 s) a countdown has reached; 0 = none yet. */
export function warningLevel(remainingMs: number | null): number {
  if (remainingMs === null || remainingMs <= 0) return 0;
  if (remainingMs <= 10_000) return 3;
  if (remainingMs <= 30_000) return 2;
  if (remainingMs <= 60_000) return 1;
  return 0;
}

/** The case commands a state allows (the server decides; this only offers them). */
export const NEXT_COMMANDS: Record<string, string[]> = {
  identified: ['check_eligibility', 'suspend', 'terminate'],
  eligibility_checked: ['issue_planning', 'suspend', 'terminate'],
  planning_issued: ['draft_scheme', 'suspend', 'terminate'],
  scheme_drafted: ['vote', 'draft_scheme', 'suspend', 'terminate'],
  vote_passed: ['file_scheme', 'suspend', 'terminate'],
  scheme_filed: ['review', 'suspend', 'terminate'],
  cleared: ['announce', 'suspend', 'terminate'],
  announced: ['record_result', 'suspend', 'terminate'],
  sold: ['sign_contract', 'refuse_to_sign'],
  not_sold: ['draft_scheme', 'terminate'],
  contract_signed: ['record_payment'],
  paying: ['record_payment'],
  paid: ['settle_fund'],
  fund_settled: ['distribute'],
  distributed: ['register'],
  suspended: ['resume', 'terminate'],
};

/** The main line of a case, for the progress bar. */
export const CASE_STEPS = ['identified', 'eligibility_checked', 'planning_issued', 'scheme_drafted', 'vote_passed',
  'scheme_filed', 'cleared', 'announced', 'sold', 'contract_signed', 'paid', 'fund_settled', 'distributed', 'registered'];

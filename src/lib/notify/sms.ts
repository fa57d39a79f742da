import { and, asc, eq, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { smsOutbox, users, roleAssignments } from '../../../db/schema/index';
import { maskPhone } from '../privacy/mask';
import { dayOf } from '../time';
import { quietUntil, rulesCache, type NotifyRules } from './rules';

/**
 * The SMS channel. Notices a person chose to receive by SMS wait in sms_outbox (written with the notice);
 * this dispatcher, run by the scheduled job, sends them through a provider outside quiet hours and
 * retries failures with backoff up to the policy's limit. Delivery is at least once: a message claimed by
 * a process that died is sent again after CLAIM_TIMEOUT_MS.
 */
export interface SmsMessage {
  /** the recipient's phone number (personal data: never log it unmasked) */
  to: string;
  text: string;
}

export type SmsResult = { ok: true; providerId?: string } | { ok: false; error: string };

/** A gateway adapter: one method. A real provider (an operator's or a cloud SMS API) is one small class. */
export interface SmsProvider {
  readonly name: string;
  send(msg: SmsMessage): Promise<SmsResult>;
}

/**
 * The shipped provider: no SMS gateway is reachable from this deployment, so messages are written to the
 * server log, with the phone number masked (PIPL; docs/decisions/0013-notifications.md).
 */
export class LogSmsProvider implements SmsProvider {
  readonly name = 'log';
  constructor(private readonly log: (line: string) => void = (l) => console.log(`[tonghu] ${l}`)) {}
  async send(msg: SmsMessage): Promise<SmsResult> {
    this.log(`短信 → ${maskPhone(msg.to)}：${msg.text}`);
    return { ok: true };
  }
}

export const CLAIM_TIMEOUT_MS = 10 * 60_000;

/** The message as sent: signature, then the text, cut to the policy's length. */
export function formatSms(text: string, rules: NotifyRules): string {
  const full = `${rules.sms.signature}${text}`;
  const chars = [...full];
  return chars.length <= rules.sms.maxLength ? full : `${chars.slice(0, rules.sms.maxLength - 1).join('')}…`;
}

/** Minutes to wait after the n-th failed attempt (1-based): the policy's list, its last value repeating. */
export function retryDelayMs(rules: NotifyRules, failedAttempts: number): number {
  const list = rules.sms.retryMinutes;
  return list[Math.min(failedAttempts - 1, list.length - 1)]! * 60_000;
}

export interface DispatchResult {
  sent: number;
  /** failed this time, will be retried */
  retrying: number;
  /** failed for good (attempts exhausted, no phone, person inactive, no rules) */
  failed: number;
  /** waiting for the end of quiet hours */
  deferred: number;
}

/** Sends the outbox messages that are due. Safe to run concurrently: each message is claimed first. */
export async function dispatchSms(db: Db, provider: SmsProvider, now = Date.now(), limit = 200): Promise<DispatchResult> {
  const r: DispatchResult = { sent: 0, retrying: 0, failed: 0, deferred: 0 };
  // claims left by a process that stopped mid-send go back to the queue
  db.update(smsOutbox).set({ status: 'pending', claimedAt: null }).where(and(eq(smsOutbox.status, 'sending'), lt(smsOutbox.claimedAt, now - CLAIM_TIMEOUT_MS))).run();
  const due = db
    .select({ id: smsOutbox.id, userId: smsOutbox.userId, text: smsOutbox.text, attempts: smsOutbox.attempts, phone: users.phone, active: users.active })
    .from(smsOutbox)
    .innerJoin(users, eq(users.id, smsOutbox.userId))
    .where(and(eq(smsOutbox.status, 'pending'), lte(smsOutbox.nextAttemptAt, now)))
    .orderBy(asc(smsOutbox.nextAttemptAt), asc(smsOutbox.id))
    .limit(limit)
    .all();
  const rulesOf = rulesCache(db, dayOf(now));
  const fail = (id: number, error: string, attempts: number) => {
    db.update(smsOutbox).set({ status: 'failed', lastError: error, attempts, claimedAt: null }).where(eq(smsOutbox.id, id)).run();
    r.failed++;
  };
  for (const m of due) {
    const ra = db.select({ path: roleAssignments.regionPath }).from(roleAssignments).where(and(eq(roleAssignments.userId, m.userId), eq(roleAssignments.active, true))).orderBy(asc(roleAssignments.id)).limit(1).get();
    if (!m.active || !ra) {
      fail(m.id, '账号已停用或无在岗身份', m.attempts);
      continue;
    }
    const rules = rulesOf(ra.path);
    if (!rules) {
      fail(m.id, '没有适用的提醒规则（notify）', m.attempts);
      continue;
    }
    const quietEnd = quietUntil(now, rules.quietHours);
    if (quietEnd !== null) {
      db.update(smsOutbox).set({ nextAttemptAt: quietEnd }).where(and(eq(smsOutbox.id, m.id), eq(smsOutbox.status, 'pending'))).run();
      r.deferred++;
      continue;
    }
    const claimed = db.update(smsOutbox).set({ status: 'sending', claimedAt: now }).where(and(eq(smsOutbox.id, m.id), eq(smsOutbox.status, 'pending'))).run().changes;
    if (!claimed) continue;
    let result: SmsResult;
    try {
      result = await provider.send({ to: m.phone, text: formatSms(m.text, rules) });
    } catch (e) {
      result = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    const attempts = m.attempts + 1;
    if (result.ok) {
      db.update(smsOutbox).set({ status: 'sent', attempts, sentAt: now, provider: provider.name, providerId: result.providerId ?? null, lastError: null, claimedAt: null }).where(eq(smsOutbox.id, m.id)).run();
      r.sent++;
    } else if (attempts >= rules.sms.maxAttempts) {
      fail(m.id, result.error.slice(0, 500), attempts);
    } else {
      db.update(smsOutbox)
        .set({ status: 'pending', attempts, nextAttemptAt: now + retryDelayMs(rules, attempts), provider: provider.name, lastError: result.error.slice(0, 500), claimedAt: null })
        .where(eq(smsOutbox.id, m.id))
        .run();
      r.retrying++;
    }
  }
  return r;
}

/** Counts by status, for the job's log line and the admin. */
export function outboxCounts(db: Db): Record<string, number> {
  const rows = db.select({ status: smsOutbox.status, n: sql<number>`count(*)` }).from(smsOutbox).groupBy(smsOutbox.status).all();
  return Object.fromEntries(rows.map((x) => [x.status, x.n]));
}

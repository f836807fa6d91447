/**
 * Time as subscriptions count it. A month is either a calendar month (UTC, clamped to the month's
 * end: a term started on 31 January has its first month end on 28/29 February, its second on
 * 31 March) or a fixed duration (`SUBSCRIPTION_MONTH=20s`), so a three-year term can run in minutes.
 * Pure functions: workflows, activities and the API share them.
 */

/** `calendar`, or a month compressed to `monthMs` milliseconds. */
export type SubscriptionMonth = { kind: 'calendar' } | { kind: 'fixed'; monthMs: number };

export const DAY_MS = 86_400_000;

/** The instant `months` months after `anchor`. Always computed from the anchor, so clamping never accumulates. */
export function addMonths(anchor: Date, months: number, month: SubscriptionMonth): Date {
  if (month.kind === 'fixed') return new Date(anchor.getTime() + months * month.monthMs);
  const year = anchor.getUTCFullYear();
  const targetMonth = anchor.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      year,
      targetMonth,
      day,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

/**
 * The length of the day refunds are counted in: 24 h with calendar months; with a compressed month,
 * the same share of a year (month × 12 / 365), so prorations keep their proportions in a demo.
 */
export function dayLengthMs(month: SubscriptionMonth): number {
  return month.kind === 'calendar' ? DAY_MS : (month.monthMs * 12) / 365;
}

/** The days of service used between two instants: every day begun counts as used. */
export function daysUsed(from: Date, at: Date, month: SubscriptionMonth): number {
  const elapsed = at.getTime() - from.getTime();
  return elapsed <= 0 ? 0 : Math.ceil(elapsed / dayLengthMs(month));
}

/** The durations of §6, as read from the environment (see src/config.ts). */
export type SubscriptionTiming = {
  month: SubscriptionMonth;
  cancellationWindowMs: number;
  renewalNoticeMs: number;
  expiredGraceMs: number;
  disabledGraceMs: number;
};

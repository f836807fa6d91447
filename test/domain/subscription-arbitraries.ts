import fc from 'fast-check';
import { frequenciesForTerm, subscriptionTerms, type TermChoice } from '../../src/domain/subscription-billing';
import type { SubscriptionMonth } from '../../src/domain/subscription-time';

/** Random inputs of the subscription money properties: months (calendar or compressed), terms as sold, instants, prices, quantities. */
export const calendar: SubscriptionMonth = { kind: 'calendar' };
export const month = fc.oneof(
  fc.constant(calendar),
  fc.integer({ min: 1_000, max: 40 * 86_400_000 }).map((monthMs): SubscriptionMonth => ({ kind: 'fixed', monthMs })),
);
export const choice = fc
  .constantFrom(...subscriptionTerms)
  .chain((term) =>
    fc.constantFrom(...frequenciesForTerm(term)).map((billingFrequency): TermChoice => ({ term, billingFrequency })),
  );
export const instant = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2060-01-01T00:00:00Z'),
  noInvalidDate: true,
});
export const unitPrice = fc.integer({ min: 0, max: 100_000 });
export const quantity = fc.integer({ min: 1, max: 10_000 });

/**
 * The seeded catalog's offer ids (catalog/offers.json, loaded by src/db/seed.ts's seedCatalog), named
 * so that a test says which offer it means. test/catalog.test.ts fails if this list and the catalog differ.
 */
export const OFFERS = {
  m365BusinessBasic: 'm365-business-basic',
  m365BusinessStandard: 'm365-business-standard',
  m365BusinessPremium: 'm365-business-premium',
  m365E3: 'm365-e3',
  m365E5: 'm365-e5',
  exchangeOnlineP1: 'exchange-online-p1',
  teamsEssentials: 'teams-essentials',
  entraIdP1: 'entra-id-p1',
  defenderBusiness: 'defender-business',
  azurePlan: 'azure-plan',
} as const;

export type OfferId = (typeof OFFERS)[keyof typeof OFFERS];

/** An offer id of the right shape that the catalog does not hold. */
export const OFFER_NOT_IN_CATALOG = 'm365-nonexistent';

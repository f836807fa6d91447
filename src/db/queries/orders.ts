/** A line of an order to place: the catalog price is looked up when it is written. */
export type OrderLineInput = { lineNumber: number; offerId: string; quantity: number; partnerIdOnRecord: string | null };

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes every workflow keeps current so operators can filter runs in the Temporal
 * UI. The dev server registers them at start-up; `ensureSearchAttributes` does it on real clusters.
 */
export const ProviderId = defineSearchAttributeKey('ProviderId', SearchAttributeType.KEYWORD);
export const ResellerId = defineSearchAttributeKey('ResellerId', SearchAttributeType.KEYWORD);
export const CustomerDomain = defineSearchAttributeKey('CustomerDomain', SearchAttributeType.KEYWORD);
export const ProcessStatus = defineSearchAttributeKey('ProcessStatus', SearchAttributeType.KEYWORD);

export const allSearchAttributes = [ProviderId, ResellerId, CustomerDomain, ProcessStatus];

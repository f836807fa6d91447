import { defineQuery } from '@temporalio/workflow';

/** Messages of the order workflow, shared by the workflow, the API and the tests. */

export type OrderInput = {
  orderId: string;
  providerId: string;
  customerId: string;
  customerDomain: string;
  /** The reseller managing the customer when the order was placed, for the ResellerId search attribute. */
  resellerId: string | null;
};

/** Where the order is in its run; `status` is what the API reports. */
export type OrderStep =
  | 'validating'
  | 'placing'
  | 'provisioning'
  | 'crediting'
  | 'designating_support_contact'
  | 'completing'
  | 'compensating'
  | 'done';

export type OrderState = {
  orderId: string;
  customerId: string;
  providerId: string;
  status: 'pending' | 'completed' | 'failed';
  step: OrderStep;
  subscriptionIds: string[];
  failure: { code: string; message: string } | null;
};

export const orderStatusQuery = defineQuery<OrderState>('status');

/** The workflow ids, defined in the domain so that the database queries and services can name runs too. */
export * from '../src/domain/workflow-ids';

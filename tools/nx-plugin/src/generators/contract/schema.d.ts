/** Options of the `contract` generator, as given on the command line. */
export interface ContractGeneratorSchema {
  /** `order-placed` with `service`, or `orders.order-placed`. */
  name: string;
  /** The owning service, the prefix of the contract's name. */
  service?: string;
  kind?: 'event' | 'command' | 'query';
  /** Major version, 1 by default. */
  major?: number;
  description?: string;
}

/** Options of the `handler` generator, as given on the command line. */
export interface HandlerGeneratorSchema {
  /** `orders.order-placed`, `order-placed` or `OrdersOrderPlaced`. */
  contract: string;
  /** The Nx project of the handling service. */
  service: string;
  /** The contract version; the highest by default. */
  major?: number;
  /** Kebab file name of the handler. */
  name?: string;
}

export type { AmqpTransportOptions } from './amqp-transport.js';

export { AmqpTransport, amqpTransport } from './amqp-transport.js';

/** The name the orders service's durable consumers are shared under. */
export const ORDERS_SERVICE = 'orders';

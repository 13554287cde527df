import { compactLogLine, LogFollower } from '../src/log-lines';

const ORDER = '65f0c1e2d3b4a59687766554';
const OTHER_ORDER = '65f0c1e2d3b4a59687766555';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const LATER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_TRACE = '5cf92f3577b34da6a3ce929d0e0e4737';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: 1, pid: 1, hostname: 'h', service: 'orders', ...fields });

describe('LogFollower', () => {
  // In the order the console receives them: the order's creation, its events, its payment (a trace of its own).
  const lines = {
    createdResponse: line({
      msg: 'request completed',
      req: { method: 'POST', url: '/api/orders' },
      res: { statusCode: 201 },
      responseTime: 9,
      trace_id: TRACE,
      reqId: 'r1',
      orderId: ORDER,
    }),
    publishedInTrace: line({ msg: 'published event', subject: 'order.created', trace_id: TRACE }),
    ticketsReserved: line({ service: 'tickets', msg: 'ticket reserved', trace_id: TRACE, orderId: ORDER }),
    paymentResponse: line({
      service: 'payments',
      msg: 'request completed',
      req: { method: 'POST', url: '/api/payments' },
      res: { statusCode: 201 },
      trace_id: LATER_TRACE,
      orderId: ORDER,
    }),
    paymentCreatedInOrders: line({ msg: 'payment recorded', trace_id: LATER_TRACE }),
    otherOrder: line({ msg: 'ticket reserved', trace_id: OTHER_TRACE, orderId: OTHER_ORDER }),
    otherTrace: line({ msg: 'published event', trace_id: OTHER_TRACE }),
    // The ids elsewhere than in the fields that say whose line it is: not the order's or the trace's lines.
    idInMessage: line({ msg: `looked up ${ORDER} and ${TRACE}`, trace_id: OTHER_TRACE }),
    idInUrl: line({
      req: { method: 'GET', url: `/api/orders/${ORDER}` },
      res: { statusCode: 200 },
      trace_id: OTHER_TRACE,
    }),
    untraced: line({ msg: 'listening', subject: 'order.created' }),
    notJson: `plain text mentioning ${ORDER}`,
  };
  const shown = (follower: LogFollower) =>
    Object.entries(lines)
      .filter(([, text]) => follower.shows(text))
      .map(([name]) => name);

  it('by order id: the lines of the order and of every trace a line of the order was in, from then on', () => {
    expect(shown(new LogFollower(ORDER))).toEqual([
      'createdResponse',
      'publishedInTrace',
      'ticketsReserved',
      'paymentResponse',
      'paymentCreatedInOrders',
    ]);
  });

  it('by trace id: the lines of that trace', () => {
    expect(shown(new LogFollower(TRACE))).toEqual(['createdResponse', 'publishedInTrace', 'ticketsReserved']);
  });
});

describe('compactLogLine', () => {
  it('shows the order and the trace of a request, and neither span id nor request id', () => {
    const text = compactLogLine(
      line({
        msg: 'request completed',
        req: { method: 'POST', url: '/api/orders' },
        res: { statusCode: 201 },
        responseTime: 9,
        trace_id: TRACE,
        span_id: '00f067aa0ba902b7',
        reqId: 'r1',
        orderId: ORDER,
      }),
    );
    expect(text).toBe(`201 POST /api/orders 9 ms orderId=${ORDER} trace_id=${TRACE}`);
    expect(
      compactLogLine(line({ msg: 'ticket reserved', trace_id: TRACE, span_id: 'x', reqId: 'r', orderId: ORDER })),
    ).toBe(`ticket reserved trace_id=${TRACE} orderId=${ORDER}`);
  });
});

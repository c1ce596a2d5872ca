import { io } from 'socket.io-client';
import { WebSocket } from 'ws';

/** What the WebSocket clients of one rolling-restart run saw. */
export interface WebSocketLoadResult {
  /** Connections opened. */
  readonly connections: number;
  /** ws: close codes the clients received while the run went on (1001 = Going Away, 1006 = cut without a close frame); socket.io: disconnect reasons. */
  readonly closes: Readonly<Record<string, number>>;
  /** Messages answered by the echo. */
  readonly echoed: number;
  /** Messages sent on an open connection whose echo had not come back when it closed. */
  readonly unanswered: number;
  /** Connection attempts that failed (refused, reset before the handshake, rejected upgrade). */
  readonly connectErrors: Readonly<Record<string, number>>;
  /** Closes after which the client's next attempt connected. */
  readonly reconnected: number;
}

/**
 * Keeps `clients` WebSocket clients connected to `url` (a layer-4 front that picks a ready replica
 * per connection) until `stop` resolves. Each sends a message, waits for its echo, pauses
 * `intervalMs`, repeats; on a close it records the code and reconnects at once, as a browser app
 * with a reconnect loop does.
 */
export async function webSocketLoad(url: string, clients: number, stop: Promise<void>, intervalMs = 100): Promise<WebSocketLoadResult> {
  const closes: Record<string, number> = {};
  const connectErrors: Record<string, number> = {};
  let connections = 0;
  let echoed = 0;
  let unanswered = 0;
  let reconnected = 0;
  let stopping = false;
  void stop.then(() => (stopping = true));

  const client = async (): Promise<void> => {
    let afterClose = false;
    while (!stopping) {
      const outcome = await session();
      if (outcome === 'connect-failed') {
        await sleep(50);
        continue;
      }
      if (afterClose) reconnected += 1;
      afterClose = outcome === 'closed';
    }
  };

  // One connection, from open to close: 'closed' by the server, 'stopped' by the run ending, or never opened.
  const session = (): Promise<'closed' | 'stopped' | 'connect-failed'> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      let open = false;
      let waiting = false;
      let timer: NodeJS.Timeout | undefined;
      const send = (): void => {
        // Closing already (the server's close frame came in during the pause): nothing is sent, nothing is owed.
        if (ws.readyState !== WebSocket.OPEN) return;
        if (stopping) {
          ws.close(1000);
          return;
        }
        waiting = true;
        ws.send('ping');
      };
      ws.on('open', () => {
        open = true;
        connections += 1;
        send();
      });
      ws.on('message', () => {
        waiting = false;
        echoed += 1;
        timer = setTimeout(send, intervalMs);
      });
      ws.on('error', (error: NodeJS.ErrnoException) => {
        if (!open) connectErrors[error.code ?? error.message] = (connectErrors[error.code ?? error.message] ?? 0) + 1;
      });
      ws.on('close', (code) => {
        clearTimeout(timer);
        if (!open) return resolve('connect-failed');
        if (waiting) unanswered += 1;
        if (stopping) return resolve('stopped');
        closes[code] = (closes[code] ?? 0) + 1;
        resolve('closed');
      });
    });

  await Promise.all(Array.from({ length: clients }, client));
  return { connections, closes, echoed, unanswered, connectErrors, reconnected };
}

/**
 * The same load with socket.io clients (websocket transport: a layer-4 front gives no sticky
 * sessions). socket.io-client reconnects by itself; `closes` counts disconnect reasons, and
 * `reconnected` the `reconnect` events of the client's manager.
 */
export async function socketIoLoad(url: string, clients: number, stop: Promise<void>, intervalMs = 100): Promise<WebSocketLoadResult> {
  const closes: Record<string, number> = {};
  const connectErrors: Record<string, number> = {};
  let connections = 0;
  let echoed = 0;
  let unanswered = 0;
  let reconnected = 0;
  let stopping = false;

  const client = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = io(url, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200 });
      // One exchange loop per connection; a disconnect ends it by moving the generation on.
      let generation = 0;
      let waiting = false;
      const exchange = async (mine: number): Promise<void> => {
        while (!stopping && mine === generation && socket.connected) {
          waiting = true;
          try {
            await socket.timeout(5000).emitWithAck('echo', 'ping');
            if (mine === generation) echoed += 1;
          } catch {
            // No ack: the disconnect handler has counted it.
          }
          waiting = false;
          await sleep(intervalMs);
        }
      };
      socket.on('connect', () => {
        connections += 1;
        void exchange(++generation);
      });
      socket.io.on('reconnect', () => {
        if (!stopping) reconnected += 1;
      });
      socket.on('connect_error', (error) => {
        connectErrors[error.message] = (connectErrors[error.message] ?? 0) + 1;
      });
      socket.on('disconnect', (reason) => {
        generation += 1;
        if (waiting && !stopping) unanswered += 1;
        waiting = false;
        if (!stopping) closes[reason] = (closes[reason] ?? 0) + 1;
      });
      void stop.then(() => {
        stopping = true;
        socket.close();
        resolve();
      });
    });

  await Promise.all(Array.from({ length: clients }, client));
  return { connections, closes, echoed, unanswered, connectErrors, reconnected };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

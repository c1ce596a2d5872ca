import { connect, type Socket } from 'node:net';

interface Pending {
  readonly resolve: (reply: string) => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

/**
 * A client with one long-lived connection, as real database clients keep: commands are pipelined
 * and answered in order; an aborted command is rejected at once and its late reply discarded.
 */
export class StoreClient {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #connecting: Promise<Socket> | undefined;
  #queue: Pending[] = [];
  #buffered = '';

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  async command(line: string, signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const socket = await this.#connect(signal);
    return new Promise<string>((resolve, reject) => {
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      const pending: Pending = {
        settled: false,
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = (): void => {
        if (pending.settled) return;
        pending.settled = true;
        done();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(pending);
      socket.write(`${line}\n`);
    });
  }

  /** A round trip, for the readiness check. */
  async ping(signal?: AbortSignal): Promise<void> {
    const reply = await this.command('PING', signal);
    if (reply !== '+PONG') throw new Error(`unexpected reply to PING: ${reply}`);
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #connect(signal?: AbortSignal): Promise<Socket> {
    if (this.#socket && !this.#socket.destroyed) return Promise.resolve(this.#socket);
    this.#connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.#host, port: this.#port });
      socket.setNoDelay(true);
      const fail = (error: Error): void => {
        this.#connecting = undefined;
        socket.destroy();
        reject(new Error(error.message));
      };
      const onAbort = (): void => fail(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once('connect', () => {
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        this.#connecting = undefined;
        this.#attach(socket);
        resolve(socket);
      });
    });
    return this.#connecting;
  }

  #attach(socket: Socket): void {
    this.#socket = socket;
    this.#buffered = '';
    socket.on('data', (chunk) => {
      this.#buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.#buffered.indexOf('\n')) >= 0) {
        // A Redis server ends its replies with \r\n: the demo's client works against one too.
        const reply = this.#buffered.slice(0, this.#buffered[nl - 1] === '\r' ? nl - 1 : nl);
        this.#buffered = this.#buffered.slice(nl + 1);
        const pending = this.#queue.shift();
        if (pending && !pending.settled) {
          pending.settled = true;
          if (reply.startsWith('-')) pending.reject(new Error(reply.slice(1)));
          else pending.resolve(reply);
        }
      }
    });
    const drop = (reason: string): void => {
      if (this.#socket === socket) this.#socket = undefined;
      const queue = this.#queue;
      this.#queue = [];
      for (const pending of queue) {
        if (pending.settled) continue;
        pending.settled = true;
        pending.reject(new Error(reason));
      }
    };
    socket.on('error', (error) => drop(error.message));
    socket.on('close', () => drop('connection closed'));
  }
}

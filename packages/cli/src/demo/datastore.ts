import { createServer, type Server, type Socket } from 'node:net';

/** What the embedded datastore is doing to its clients right now. */
export type StoreFault = { readonly kind: 'none' } | { readonly kind: 'slow'; readonly ms: number } | { readonly kind: 'down' };

/**
 * A tiny in-process key-value server speaking one command per line (`PING`, `GET k`, `SET k v`,
 * `INCR k`), so the demo has a real dependency over a real socket without any external service.
 */
export class EmbeddedDatastore {
  #server: Server | undefined;
  #port = 0;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  readonly #data = new Map<string, string>();
  #fault: StoreFault = { kind: 'none' };

  constructor(host = '127.0.0.1') {
    this.#host = host;
  }

  get port(): number {
    return this.#port;
  }

  get fault(): StoreFault {
    return this.#fault;
  }

  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : port;
    this.#server = server;
    return this.#port;
  }

  /** Switches the fault; `down` closes the port (connections refused) and drops every client. */
  async setFault(fault: StoreFault): Promise<void> {
    const wasDown = this.#fault.kind === 'down';
    this.#fault = fault;
    if (fault.kind === 'down' && !wasDown) await this.#closeServer();
    if (fault.kind !== 'down' && wasDown) await this.start(this.#port);
  }

  async stop(): Promise<void> {
    await this.#closeServer();
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        const reply = this.#execute(line);
        const fault = this.#fault;
        if (fault.kind === 'slow') setTimeout(() => socket.writable && socket.write(reply), fault.ms).unref();
        else socket.write(reply);
      }
    });
  }

  #execute(line: string): string {
    const [command = '', key = '', ...rest] = line.split(' ');
    switch (command.toUpperCase()) {
      case 'PING':
        return '+PONG\n';
      case 'GET':
        return `$${this.#data.get(key) ?? ''}\n`;
      case 'SET':
        this.#data.set(key, rest.join(' '));
        return '+OK\n';
      case 'INCR': {
        const next = Number(this.#data.get(key) ?? '0') + 1;
        this.#data.set(key, String(next));
        return `:${next}\n`;
      }
      default:
        return `-ERR unknown command ${JSON.stringify(command.slice(0, 20))}\n`;
    }
  }
}

import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Health } from 'probekit/nestjs';

/** Stands in for an ORM connection or a pg Pool: queries fail once it is closed. */
@Injectable()
export class Database implements OnModuleDestroy {
  #open = true;

  async query(ms: number): Promise<string> {
    if (!this.#open) throw new Error('database closed');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'done\n';
  }

  async ping(): Promise<void> {
    if (!this.#open) throw new Error('database closed');
  }

  // Nest calls this after probekit drained the server: in-flight requests still had their database.
  onModuleDestroy(): void {
    this.#open = false;
    console.log('database closed');
  }
}

/** Registers the database's readiness check: any provider can inject Health, no globals. */
@Injectable()
export class DatabaseHealth {
  constructor(health: Health, database: Database) {
    health.readiness('database', () => database.ping(), { timeoutMs: 1000 });
  }
}

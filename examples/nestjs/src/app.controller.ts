import { Controller, Get, Query } from '@nestjs/common';
import { Database } from './database.js';

@Controller()
export class AppController {
  constructor(private readonly database: Database) {}

  @Get()
  hello(): string {
    return 'hello from nest\n';
  }

  // Stands in for real work (a slow query): answers after ?ms= milliseconds.
  @Get('work')
  work(@Query('ms') ms?: string): Promise<string> {
    return this.database.query(Math.min(Number(ms) || 0, 10_000));
  }
}

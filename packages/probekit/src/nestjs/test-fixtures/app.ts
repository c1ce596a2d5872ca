// A small real Nest application (Express or Fastify platform) with ProbekitModule, written without
// decorator syntax (this repository compiles without experimentalDecorators): Nest's decorator
// functions are applied by hand, exactly as the compiler would.
import { Controller, Get, Inject, Injectable, Module, Query, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Health, ProbekitModule, type ProbekitModuleOptions } from '../index.js';

export type Platform = 'express' | 'fastify';

/** Stands in for an ORM connection: a provider other providers depend on, closed in onModuleDestroy. */
export class Database {
  open = true;
  readonly events: string[];
  constructor(events: string[]) {
    this.events = events;
  }
  async query(ms: number): Promise<string> {
    if (!this.open) throw new Error('database closed');
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (!this.open) throw new Error('database closed while a query ran');
    return 'done\n';
  }
  onModuleDestroy(): void {
    this.open = false;
    this.events.push('database closed (onModuleDestroy)');
  }
}
export const EVENTS = Symbol('events');

/** A provider that registers its own check by injecting Health: no globals. */
export class DatabaseHealth {
  constructor(health: Health, db: Database) {
    health.readiness('database', async () => {
      if (!db.open) throw new Error('database closed');
    });
  }
}
Injectable()(DatabaseHealth);
Inject(Health)(DatabaseHealth, undefined, 0);
Inject(Database)(DatabaseHealth, undefined, 1);

export class AppController {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }
  hello(): string {
    return 'hello from nest\n';
  }
  work(ms: string | undefined): Promise<string> {
    return this.#db.query(Math.min(Number(ms) || 0, 10_000));
  }
}
Controller()(AppController);
Inject(Database)(AppController, undefined, 0);
decorateMethod(AppController, 'hello', Get('/'));
decorateMethod(AppController, 'work', Get('/work'));
Query('ms')(AppController.prototype, 'work', 0);

function decorateMethod(target: { prototype: object }, key: string, decorator: MethodDecorator): void {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, key)!;
  decorator(target.prototype, key, descriptor);
  Object.defineProperty(target.prototype, key, descriptor);
}

export class AppModule {
  static with(probekit: DynamicModule, events: string[]): DynamicModule {
    return {
      module: AppModule,
      imports: [probekit],
      controllers: [AppController],
      providers: [{ provide: EVENTS, useValue: events }, { provide: Database, useFactory: () => new Database(events) }, DatabaseHealth],
    };
  }
}
Module({})(AppModule);

/** Creates the Nest application on the given platform (not listening yet). */
export async function createApp(platform: Platform, options: ProbekitModuleOptions = {}, events: string[] = []): Promise<INestApplication> {
  const module = AppModule.with(ProbekitModule.forRoot(options), events);
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  return NestFactory.create(module, adapter, { logger: ['error', 'warn'] });
}

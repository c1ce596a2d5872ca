import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { createHealth, Health, type HealthOptions, type ListenOptions } from '../health.js';
import * as v from '../engine/validate.js';
import { LifecycleShutdown, type LifecycleShutdownOptions } from '../shutdown/lifecycle.js';
import type { ProbeServer } from '../http/server.js';

export { Health } from '../health.js';
export { LifecycleShutdown } from '../shutdown/lifecycle.js';
export type { LifecycleShutdownOptions } from '../shutdown/lifecycle.js';

/** Options of `ProbekitModule.forRoot()` (and what `forRootAsync()`'s factory returns). Every default is listed. */
export interface ProbekitModuleOptions {
  /**
   * The health to provide, or options for `createHealth()`. A health the module creates completes
   * startup when the Nest HTTP server is listening (`manualStartup` + `markStarted()`).
   * @default createHealth({ manualStartup: true })
   */
  readonly health?: Health | HealthOptions;
  /** Registers checks once the providers are built; gets the health. Checks can also be registered by any provider that injects `Health`. @default none */
  readonly checks?: (health: Health) => void;
  /** The probe server (a worker thread, answering even while the event loop is blocked), started at module init and closed at application shutdown; `false` for none. @default {} (the `PROBEKIT_*` environment, else port 8081) */
  readonly listen?: ListenOptions | false;
  /** The drain run inside `app.close()` (and so on `enableShutdownHooks()` signals) before any Nest hook; `false` leaves shutdown to you. @default {} */
  readonly shutdown?: Omit<LifecycleShutdownOptions, 'servers'> | false;
}

/** Options of `ProbekitModule.forRootAsync()`: options built by a factory from injected providers. */
export interface ProbekitModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...args: never[]) => ProbekitModuleOptions | Promise<ProbekitModuleOptions>;
  /** @default false */
  readonly isGlobal?: boolean;
}

/** Injection token of the resolved module options. */
export const PROBEKIT_OPTIONS = Symbol('probekit:module-options');

const KEYS = ['health', 'checks', 'listen', 'shutdown'] as const;

/** Starts and stops probekit with the Nest application; provided as `ProbekitLifecycle`. */
export class ProbekitLifecycle {
  readonly health: Health;
  readonly #options: ProbekitModuleOptions;
  readonly #adapterHost: HttpAdapterHost | undefined;
  readonly #ownsHealth: boolean;
  #probeServer: ProbeServer | undefined;
  #drain: LifecycleShutdown | undefined;

  constructor(health: Health, options: ProbekitModuleOptions, ownsHealth: boolean, adapterHost: HttpAdapterHost | undefined) {
    this.health = health;
    this.#options = options;
    this.#ownsHealth = ownsHealth;
    this.#adapterHost = adapterHost;
  }

  /** The probe server, once started. */
  get probeServer(): ProbeServer | undefined {
    return this.#probeServer;
  }

  /** The drain, when `shutdown` is not `false`. */
  get drain(): LifecycleShutdown | undefined {
    return this.#drain;
  }

  async onModuleInit(): Promise<void> {
    this.#options.checks?.(this.health);
    const adapter = this.#adapterHost?.httpAdapter;
    const server = adapter?.getHttpServer() as Server | undefined;
    if (this.#options.shutdown !== false) {
      this.#drain = new LifecycleShutdown(this.health, { ...this.#options.shutdown, servers: server ? [server] : [] });
    }
    if (adapter && this.#drain) {
      const drain = this.#drain;
      const original = typeof adapter.beforeClose === 'function' ? adapter.beforeClose.bind(adapter) : undefined;
      // NOTE: Nest awaits the adapter's beforeClose() in app.close() before onModuleDestroy and every other
      // hook (packages/core/nest-application.ts prepareClose): draining there keeps pools open for in-flight requests.
      adapter.beforeClose = async () => {
        await drain.drain('Nest application closing (app.close() or a shutdown signal)');
        await original?.();
      };
    }
    if (this.#ownsHealth && server) {
      if (server.listening) this.health.markStarted();
      else server.once('listening', () => this.#markStarted());
    }
    if (this.#options.listen !== false) this.#probeServer = await this.health.listen(this.#options.listen ?? {});
  }

  /** Without an HTTP server there is nothing to listen: startup completes once Nest's init is over. */
  onApplicationBootstrap(): void {
    if (this.#ownsHealth && !this.#adapterHost?.httpAdapter) this.#markStarted();
  }

  /**
   * Without an HTTP server (a standalone or microservice context) there is no adapter hook before
   * onModuleDestroy: the drain runs here, after the onModuleDestroy hooks of modules nearer the root.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.#drain && !this.#adapterHost?.httpAdapter) await this.#drain.drain('Nest application closing');
  }

  async onApplicationShutdown(): Promise<void> {
    this.#drain?.done();
    await this.health.close();
  }

  #markStarted(): void {
    if (!this.health.closed) this.health.markStarted();
  }
}

function resolveModuleOptions(options: unknown): { readonly options: ProbekitModuleOptions; readonly health: Health; readonly ownsHealth: boolean } {
  v.plainObject('ProbekitModule options', options);
  v.knownKeys('ProbekitModule options', options as Record<string, unknown>, KEYS);
  const o = options as ProbekitModuleOptions;
  if (o.checks !== undefined && typeof o.checks !== 'function') throw new TypeError(`Expected \`checks\` to be a function (health) => void, got \`${v.describe(o.checks)}\``);
  if (o.listen !== undefined && o.listen !== false) v.plainObject('listen', o.listen);
  if (o.shutdown !== undefined && o.shutdown !== false) v.plainObject('shutdown', o.shutdown);
  if (o.health instanceof Health) return { options: o, health: o.health, ownsHealth: false };
  if (o.health !== undefined) v.plainObject('health', o.health);
  return { options: o, health: createHealth({ manualStartup: true, ...(o.health as HealthOptions | undefined) }), ownsHealth: true };
}

function providers(optionsProvider: Provider): Provider[] {
  return [
    optionsProvider,
    {
      provide: ProbekitLifecycle,
      inject: [PROBEKIT_OPTIONS, { token: HttpAdapterHost, optional: true }],
      useFactory: (options: unknown, adapterHost: HttpAdapterHost | undefined) => {
        const resolved = resolveModuleOptions(options);
        return new ProbekitLifecycle(resolved.health, resolved.options, resolved.ownsHealth, adapterHost);
      },
    },
    { provide: Health, inject: [ProbekitLifecycle], useFactory: (lifecycle: ProbekitLifecycle) => lifecycle.health },
  ];
}

/**
 * probekit for NestJS: provides `Health` to inject, starts the probe server with the application and
 * drains inside `app.close()` before Nest's own hooks. See docs/nestjs.md.
 */
export class ProbekitModule {
  /** Options known at import time. */
  static forRoot(options: ProbekitModuleOptions & { readonly isGlobal?: boolean } = {}): DynamicModule {
    const { isGlobal = false, ...rest } = options;
    resolveModuleOptionsShape(rest);
    return {
      module: ProbekitModule,
      global: isGlobal,
      providers: providers({ provide: PROBEKIT_OPTIONS, useValue: rest }),
      exports: [Health, ProbekitLifecycle],
    };
  }

  /** Options built from other providers: `useFactory(...inject)` returns what `forRoot()` takes. */
  static forRootAsync(options: ProbekitModuleAsyncOptions): DynamicModule {
    v.plainObject('ProbekitModule.forRootAsync() options', options);
    v.knownKeys('ProbekitModule.forRootAsync() options', options, ['imports', 'inject', 'useFactory', 'isGlobal']);
    if (typeof options.useFactory !== 'function') {
      throw new TypeError(`Expected \`useFactory\` to be a function returning the ProbekitModule options, got \`${v.describe(options.useFactory)}\``);
    }
    return {
      module: ProbekitModule,
      global: options.isGlobal ?? false,
      imports: options.imports ?? [],
      providers: providers({ provide: PROBEKIT_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory as (...args: unknown[]) => unknown }),
      exports: [Health, ProbekitLifecycle],
    };
  }
}

/** forRoot() checks the keys at import time, without creating the health yet. */
function resolveModuleOptionsShape(options: unknown): void {
  v.plainObject('ProbekitModule.forRoot() options', options);
  v.knownKeys('ProbekitModule.forRoot() options', options as Record<string, unknown>, KEYS);
}

// NOTE: the repository compiles without experimentalDecorators, so Nest's class decorator is applied as a function.
Module({})(ProbekitModule);

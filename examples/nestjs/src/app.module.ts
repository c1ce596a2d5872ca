import { Module } from '@nestjs/common';
import { ProbekitModule } from 'probekit/nestjs';
import { AppController } from './app.controller.js';
import { Database, DatabaseHealth } from './database.js';

@Module({
  imports: [
    ProbekitModule.forRoot({
      // The probe server: a worker thread on PROBEKIT_PORT (else 8081), answering even while the event loop is blocked.
      listen: {},
      // Unset: 5 s in Kubernetes, 0 locally.
      shutdown: process.env['DRAIN_DELAY_MS'] ? { drainDelayMs: Number(process.env['DRAIN_DELAY_MS']) } : {},
    }),
  ],
  controllers: [AppController],
  providers: [Database, DatabaseHealth],
})
export class AppModule {}

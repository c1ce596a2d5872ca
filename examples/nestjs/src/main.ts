// NestJS with probekit: probes on their own port, the drain inside Nest's shutdown.
// Run: npm run build && npx tsc -p examples/nestjs && node examples/nestjs/dist/main.js
// then curl -i localhost:8081/readyz?verbose   (and Ctrl-C to watch the drain)
import { NestFactory } from '@nestjs/core';
import { ProbekitLifecycle } from 'probekit/nestjs';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
// Nest owns the signals; ProbekitModule drains inside app.close(), before Nest's own hooks.
app.enableShutdownHooks();
await app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1');
console.log(`probes on ${app.get(ProbekitLifecycle).probeServer?.url}`);
console.log(`listening on ${await app.getUrl()}`);

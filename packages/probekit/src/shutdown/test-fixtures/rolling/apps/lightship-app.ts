// The rolling-restart app with lightship, set up as its README shows: its own probe server,
// `signalReady()` once listening, `server.close()` as the shutdown handler, `shutdownDelay` as the drain delay.
// A WebSocket echo at /ws (ws) for the WebSocket row; lightship's README says nothing about WebSockets, so nothing closes them.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLightship } from 'lightship';
import { WebSocketServer } from 'ws';

const drainDelayMs = Number(process.env['DRAIN_DELAY_MS'] ?? 5000);
const lightship = await createLightship({ detectKubernetes: false, port: 0, shutdownDelay: drainDelayMs });
const app = express();
app.get('/', (_req, res) => {
  res.send('hello from lightship\n');
});
app.get('/work', (req, res) => {
  setTimeout(() => res.send('done\n'), Math.min(Number(req.query['ms']) || 0, 10_000));
});
const server = app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  lightship.signalReady();
  console.log(`probes on http://127.0.0.1:${(lightship.server.address() as AddressInfo).port}`);
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
const wss = new WebSocketServer({ server, path: '/ws' });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data.toString())));
lightship.registerShutdownHandler(() => {
  server.close();
});

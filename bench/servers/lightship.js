// lightship 9 as its README sets it up: its own probe server, state signalled by the app (it has no checks to run).
import { createLightship } from 'lightship';
import { announce, startApp } from './common.js';

const lightship = await createLightship({ detectKubernetes: false, port: 0 });
const app = await startApp();
lightship.signalReady();
announce({ probePort: lightship.server.address().port, appPort: app.address().port, live: '/live', ready: '/ready' });

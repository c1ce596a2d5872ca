export { captureIO, type CliIO } from './cli-io.js';
export { SERVICES, skipUnless, skipUnlessTool, type ServiceName } from './services.js';

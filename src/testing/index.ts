export { VirtualClock } from '../engine/clock.js';

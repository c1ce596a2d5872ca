// 11. Idle CPU and probe latency against the number of checks, both thread modes (bench/checks-scale.js).
import { checksScale } from '../checks-scale.js';
import { log } from '../lib/common.js';

export async function measure() {
  return checksScale(log);
}

/** File names in the state directory. */
export const STATE_FILE = 'probekit-state.json';
/** The main thread's record of the liveness verdict. */
export const MAIN_JOURNAL = 'probekit-liveness.json';
/** The probe worker's record of the /livez answers it served. */
export const SERVED_JOURNAL = 'probekit-liveness-served.json';

const stateDirs = new WeakMap<object, string>();

/** The state directory `attachForensics()` was given for `engine`, so its probe server can record into it. */
export function forensicsStateDir(engine: object): string | undefined {
  return stateDirs.get(engine);
}

export function setForensicsStateDir(engine: object, stateDir: string): void {
  stateDirs.set(engine, stateDir);
}

/** File names in the state directory. */
export const STATE_FILE = 'probekit-state.json';
/** The main thread's record of the liveness verdict. */
export const MAIN_JOURNAL = 'probekit-liveness.json';
/** The probe worker's record of the /livez answers it served. */
export const SERVED_JOURNAL = 'probekit-liveness-served.json';


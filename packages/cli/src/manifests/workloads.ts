/** Finds the pod templates inside Kubernetes objects, whatever the workload kind. */
import type { FieldPath } from './manifest-reader.js';

export type PlainObject = Record<string, unknown>;

export function isObject(value: unknown): value is PlainObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, FieldPath>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose pods run to completion: they serve no traffic, so readiness is not expected. */
export const RUN_TO_COMPLETION_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob']);

/** One Kubernetes object from a document (a document, or an item of a `kind: List`). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Path of the object inside its document (empty, or `['items', i]`). */
  readonly path: FieldPath;
  readonly value: PlainObject;
}

/** A pod template found in an object. */
export interface PodTemplate {
  readonly object: ManifestObject;
  /** Path of the pod spec inside the document. */
  readonly path: FieldPath;
  readonly spec: PlainObject;
  /** Annotations of the object and of its pod template (template wins). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Every object of a document, flattening `kind: List` (and `*List`) items. */
export function objectsOf(document: unknown): ManifestObject[] {
  if (!isObject(document)) return [];
  const kind = typeof document['kind'] === 'string' ? document['kind'] : '';
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(document['items']))) {
    const items = Array.isArray(document['items']) ? document['items'] : [];
    return items.flatMap((item, i) => (isObject(item) ? [toObject(item, ['items', i])] : []));
  }
  return [toObject(document, [])];
}

function toObject(value: PlainObject, path: FieldPath): ManifestObject {
  const metadata = isObject(value['metadata']) ? value['metadata'] : {};
  return {
    apiVersion: typeof value['apiVersion'] === 'string' ? value['apiVersion'] : '',
    kind: typeof value['kind'] === 'string' ? value['kind'] : '',
    name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
    path,
    value,
  };
}

export function get(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function annotationsAt(value: unknown): Record<string, string> {
  const annotations = get(value, ['metadata', 'annotations']);
  const out: Record<string, string> = {};
  if (isObject(annotations)) {
    for (const [key, v] of Object.entries(annotations)) if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** The pod template of an object, if its kind has one. */
export function podTemplateOf(object: ManifestObject): PodTemplate | undefined {
  const specPath = POD_SPEC_PATHS[object.kind];
  if (!specPath) return undefined;
  const spec = get(object.value, specPath);
  if (!isObject(spec)) return undefined;
  const templatePath = specPath.slice(0, -1);
  const template = templatePath.length > 0 ? get(object.value, templatePath) : object.value;
  return {
    object,
    path: [...object.path, ...specPath],
    spec,
    annotations: { ...annotationsAt(object.value), ...annotationsAt(template) },
  };
}

/** A container that runs for the pod's life: a regular one or a sidecar (restartable init container). */
export interface LongRunningContainer {
  readonly name: string;
  readonly path: FieldPath;
  readonly value: PlainObject;
  readonly sidecar: boolean;
}

/** A one-shot init container (no `restartPolicy: Always`). */
export interface InitContainer {
  readonly name: string;
  readonly path: FieldPath;
  readonly value: PlainObject;
}

export function containersOf(pod: PodTemplate): { longRunning: LongRunningContainer[]; init: InitContainer[] } {
  const longRunning: LongRunningContainer[] = [];
  const init: InitContainer[] = [];
  const list = (field: string): [PlainObject, FieldPath][] => {
    const items = pod.spec[field];
    if (!Array.isArray(items)) return [];
    return items.flatMap((c, i) => (isObject(c) ? [[c, [...pod.path, field, i]] as [PlainObject, FieldPath]] : []));
  };
  for (const [value, path] of list('initContainers')) {
    const name = typeof value['name'] === 'string' ? value['name'] : '';
    // NOTE: an init container with restartPolicy Always is a sidecar (KEP-753, beta since 1.29):
    // it keeps running and its probes are honoured like a regular container's.
    if (value['restartPolicy'] === 'Always') longRunning.push({ name, path, value, sidecar: true });
    else init.push({ name, path, value });
  }
  for (const [value, path] of list('containers')) {
    longRunning.push({ name: typeof value['name'] === 'string' ? value['name'] : '', path, value, sidecar: false });
  }
  return { longRunning, init };
}

/** Finds the pod templates inside Kubernetes objects, whatever the workload kind. */
import type { FieldPath } from './manifest-reader.js';

export type PlainObject = Record<string, unknown>;

export function isObject(value: unknown): value is PlainObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where the built-in workload kinds keep their pod spec. */
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

/** How deep under `spec` to look for a pod template in kinds we do not know. */
const MAX_TEMPLATE_DEPTH = 8;

/**
 * Where a kind we do not know keeps its pod spec: the first `template.spec` with `containers`
 * under `spec`, breadth first. Argo Rollouts and Knative use `spec.template.spec`, CronJob-like
 * resources `spec.jobTemplate.spec.template.spec`, OpenKruise's AdvancedCronJob
 * `spec.template.jobTemplate.spec.template.spec`, training operators `spec.<role>Specs.<Role>.template.spec`.
 */
function findPodSpecPath(value: PlainObject): FieldPath | undefined {
  let level: [PlainObject, FieldPath][] = isObject(value['spec']) ? [[value['spec'], ['spec']]] : [];
  for (let depth = 0; depth < MAX_TEMPLATE_DEPTH && level.length > 0; depth++) {
    const next: [PlainObject, FieldPath][] = [];
    for (const [node, path] of level) {
      const template = node['template'];
      if (isObject(template) && isObject(template['spec']) && Array.isArray(template['spec']['containers'])) return [...path, 'template', 'spec'];
      for (const [key, child] of Object.entries(node)) if (isObject(child)) next.push([child, [...path, key]]);
    }
    level = next;
  }
  return undefined;
}

/** Kinds whose pods run to completion: they serve no traffic, so readiness is not expected. */
export const RUN_TO_COMPLETION_KINDS: ReadonlySet<string> = new Set(['Job', 'CronJob']);

/** What a document without `kind` can be: the pieces people paste and `probekit-cli manifest` prints. */
export type FragmentShape = 'pod template' | 'pod spec' | 'container' | 'container list';

/** One Kubernetes object from a document (a document, or an item of a `kind: List`), or a fragment. */
export interface ManifestObject {
  readonly apiVersion: string;
  /** `''` for a fragment. */
  readonly kind: string;
  readonly name: string;
  /** Path of the object inside its document (empty, or `['items', i]`). */
  readonly path: FieldPath;
  /** The document's value: an object, or the array of a container-list fragment. */
  readonly value: PlainObject;
  /** Set when the document has no `kind` but is shaped like part of a pod. */
  readonly fragment?: FragmentShape;
}

/** A container slot in a pod template: where it is and what it holds. */
export interface ContainerSlot {
  readonly value: PlainObject;
  readonly path: FieldPath;
}

/** A pod template found in an object. */
export interface PodTemplate {
  readonly object: ManifestObject;
  /** Path of the pod spec inside the document (for a container fragment: the container's parent). */
  readonly path: FieldPath;
  readonly spec: PlainObject;
  /** Annotations of the object and of its pod template (template wins). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Labels of the pod template: what a Service selects. */
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly ContainerSlot[];
  readonly initContainers: readonly ContainerSlot[];
}

/** Every object of a document, flattening `kind: List` (and `*List`) items; fragments are recognised by shape. */
export function objectsOf(document: unknown): ManifestObject[] {
  if (Array.isArray(document)) {
    return isContainerList(document) ? [{ apiVersion: '', kind: '', name: '', path: [], value: { containers: document }, fragment: 'container list' }] : [];
  }
  if (!isObject(document)) return [];
  const kind = typeof document['kind'] === 'string' ? document['kind'] : '';
  if (kind === 'List' || (kind.endsWith('List') && Array.isArray(document['items']))) {
    const items = Array.isArray(document['items']) ? document['items'] : [];
    return items.flatMap((item, i) => (isObject(item) ? [toObject(item, ['items', i])] : []));
  }
  const object = toObject(document, []);
  if (kind !== '') return [object];
  const shape = fragmentShape(document);
  return [shape ? { ...object, fragment: shape } : object];
}

const CONTAINER_FIELDS = ['image', 'livenessProbe', 'readinessProbe', 'startupProbe', 'ports', 'lifecycle', 'command', 'args'];

/**
 * A container fragment: a `name` and container fields of the right shape. A Helm values file has
 * `image: { repository, tag }` and `livenessProbe: { enabled: true }`-style maps, so an `image`
 * that is not a string, or a probe that is not an object, means it is something else.
 */
function isContainer(value: unknown): value is PlainObject {
  if (!isObject(value) || typeof value['name'] !== 'string' || value['kind'] !== undefined) return false;
  if (value['image'] !== undefined && typeof value['image'] !== 'string') return false;
  if (['livenessProbe', 'readinessProbe', 'startupProbe'].some((p) => value[p] !== undefined && (!isObject(value[p]) || value[p]['enabled'] !== undefined))) return false;
  return CONTAINER_FIELDS.some((f) => value[f] !== undefined);
}

function isContainerList(value: readonly unknown[]): boolean {
  return value.length > 0 && value.every(isContainer);
}

function fragmentShape(value: PlainObject): FragmentShape | undefined {
  const spec = value['spec'];
  if (isObject(spec) && Array.isArray(spec['containers'])) return 'pod template';
  if (Array.isArray(value['containers'])) return 'pod spec';
  if (isContainer(value)) return 'container';
  return undefined;
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

function stringsAt(value: unknown, path: FieldPath): Record<string, string> {
  const map = get(value, path);
  const out: Record<string, string> = {};
  if (isObject(map)) {
    for (const [key, v] of Object.entries(map)) if (typeof v === 'string') out[key] = v;
  }
  return out;
}

function slots(spec: PlainObject, specPath: FieldPath, field: string): ContainerSlot[] {
  const items = spec[field];
  if (!Array.isArray(items)) return [];
  return items.flatMap((c, i) => (isObject(c) ? [{ value: c, path: [...specPath, field, i] }] : []));
}

/** Where the pod spec of an object is, relative to the object; undefined when it has none. */
function specPathOf(object: ManifestObject): FieldPath | undefined {
  switch (object.fragment) {
    case 'pod template':
      return ['spec'];
    case 'pod spec':
    case 'container list':
      return [];
    case 'container':
      return undefined;
    default:
  }
  const known = POD_SPEC_PATHS[object.kind];
  if (known) return known;
  if (object.kind === '') return undefined;
  return findPodSpecPath(object.value);
}

/** The pod template of an object: a workload of any kind with `spec.template.spec`, or a fragment. */
export function podTemplateOf(object: ManifestObject): PodTemplate | undefined {
  if (object.fragment === 'container') {
    return {
      object,
      path: object.path,
      spec: {},
      annotations: {},
      labels: {},
      containers: [{ value: object.value, path: object.path }],
      initContainers: [],
    };
  }
  const specPath = specPathOf(object);
  if (!specPath) return undefined;
  const spec = get(object.value, specPath);
  if (!isObject(spec)) return undefined;
  const templatePath = specPath.slice(0, -1);
  // A container-list fragment is wrapped as { containers: [...] }: its items sit at the document root.
  const docPath = object.fragment === 'container list' ? object.path : [...object.path, ...specPath];
  const containers =
    object.fragment === 'container list'
      ? (spec['containers'] as unknown[]).flatMap((c, i) => (isObject(c) ? [{ value: c, path: [...docPath, i] }] : []))
      : slots(spec, docPath, 'containers');
  return {
    object,
    path: docPath,
    spec,
    annotations: { ...stringsAt(object.value, ['metadata', 'annotations']), ...stringsAt(object.value, [...templatePath, 'metadata', 'annotations']) },
    labels: stringsAt(object.value, [...templatePath, 'metadata', 'labels']),
    containers,
    initContainers: slots(spec, docPath, 'initContainers'),
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
  const nameOf = (value: PlainObject): string => (typeof value['name'] === 'string' ? value['name'] : '');
  for (const { value, path } of pod.initContainers) {
    // NOTE: an init container with restartPolicy Always is a sidecar (KEP-753, beta since 1.29):
    // it keeps running and its probes are honoured like a regular container's.
    if (value['restartPolicy'] === 'Always') longRunning.push({ name: nameOf(value), path, value, sidecar: true });
    else init.push({ name: nameOf(value), path, value });
  }
  for (const { value, path } of pod.containers) longRunning.push({ name: nameOf(value), path, value, sidecar: false });
  return { longRunning, init };
}

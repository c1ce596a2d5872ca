/**
 * Validation against the real Kubernetes OpenAPI schemas, through `kubernetes-models` (generated
 * from the upstream OpenAPI spec, maintained with each Kubernetes release).
 *
 * The OpenAPI schemas know every field's type and which are required, but they do not forbid
 * unknown fields (the API server prunes or rejects those). So the validator's own reads tell us
 * which fields a type knows: the object is wrapped in a Proxy, and every key the generated
 * validator looks at is a known field. A key it never looks at is unknown to the schema.
 */
import type { FieldPath } from './manifest-reader.js';
import { isObject } from './workloads.js';

export interface SchemaProblem {
  /** `schema` for a type/required/format error, `unknown-field` for a field the schema does not have. */
  readonly kind: 'schema' | 'unknown-field';
  /** Path inside the validated object. */
  readonly path: FieldPath;
  readonly message: string;
}

interface ModelClass {
  readonly prototype: { validate(): void };
}

type Loader = () => Promise<ModelClass>;

/**
 * The Kubernetes releases whose schemas are bundled, newest first: kubernetes-models 5.x is
 * generated from the Kubernetes 1.36 OpenAPI spec (its 5.0.0 changelog: "Update to Kubernetes
 * v1.36.0"), 4.5.x from 1.33 (4.5.0: "Update schema version to v1.33.0").
 */
export const SCHEMA_VERSIONS = ['1.36', '1.33'] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];

/** The schema used when the cluster's version is not given: the newest. */
export const SCHEMA_KUBERNETES_VERSION: SchemaVersion = '1.36';

/**
 * The bundled schema closest to a cluster version: 1.33 up to 1.33 (older clusters get the 1.33
 * schema, the oldest bundled), 1.36 from 1.34 (1.34 and 1.35 get the 1.36 schema, which may know
 * a field or two they do not).
 */
export function schemaVersionFor(kubeVersion: readonly [number, number] | undefined): SchemaVersion {
  if (kubeVersion === undefined) return SCHEMA_KUBERNETES_VERSION;
  const [major, minor] = kubeVersion;
  return major < 1 || (major === 1 && minor <= 33) ? '1.33' : '1.36';
}

/** The workload and fragment kinds we validate, by `apiVersion kind`. Loaded lazily: the models are large. */
const MODELS: Readonly<Record<SchemaVersion, Readonly<Record<string, Loader>>>> = {
  '1.36': {
    'v1 Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod,
    'v1 PodTemplate': async () => (await import('kubernetes-models/v1/PodTemplate')).PodTemplate,
    'v1 ReplicationController': async () => (await import('kubernetes-models/v1/ReplicationController')).ReplicationController,
    'apps/v1 Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
    'apps/v1 StatefulSet': async () => (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet,
    'apps/v1 DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet,
    'apps/v1 ReplicaSet': async () => (await import('kubernetes-models/apps/v1/ReplicaSet')).ReplicaSet,
    'batch/v1 Job': async () => (await import('kubernetes-models/batch/v1/Job')).Job,
    'batch/v1 CronJob': async () => (await import('kubernetes-models/batch/v1/CronJob')).CronJob,
    // Fragments (no apiVersion/kind): what `probekit-cli manifest` prints and people paste.
    ' pod template': async () => (await import('kubernetes-models/v1/PodTemplateSpec')).PodTemplateSpec,
    ' pod spec': async () => (await import('kubernetes-models/v1/PodSpec')).PodSpec,
    ' container': async () => (await import('kubernetes-models/v1/Container')).Container,
  },
  '1.33': {
    'v1 Pod': async () => (await import('kubernetes-models-v1.33/v1/Pod')).Pod,
    'v1 PodTemplate': async () => (await import('kubernetes-models-v1.33/v1/PodTemplate')).PodTemplate,
    'v1 ReplicationController': async () => (await import('kubernetes-models-v1.33/v1/ReplicationController')).ReplicationController,
    'apps/v1 Deployment': async () => (await import('kubernetes-models-v1.33/apps/v1/Deployment')).Deployment,
    'apps/v1 StatefulSet': async () => (await import('kubernetes-models-v1.33/apps/v1/StatefulSet')).StatefulSet,
    'apps/v1 DaemonSet': async () => (await import('kubernetes-models-v1.33/apps/v1/DaemonSet')).DaemonSet,
    'apps/v1 ReplicaSet': async () => (await import('kubernetes-models-v1.33/apps/v1/ReplicaSet')).ReplicaSet,
    'batch/v1 Job': async () => (await import('kubernetes-models-v1.33/batch/v1/Job')).Job,
    'batch/v1 CronJob': async () => (await import('kubernetes-models-v1.33/batch/v1/CronJob')).CronJob,
    ' pod template': async () => (await import('kubernetes-models-v1.33/v1/PodTemplateSpec')).PodTemplateSpec,
    ' pod spec': async () => (await import('kubernetes-models-v1.33/v1/PodSpec')).PodSpec,
    ' container': async () => (await import('kubernetes-models-v1.33/v1/Container')).Container,
  },
};

/** Whether `apiVersion`/`kind` has a schema here. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return `${apiVersion} ${kind}` in MODELS[SCHEMA_KUBERNETES_VERSION];
}

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/** Validates one object; `[]` when it is valid or its kind has no schema here. */
export async function validateObject(
  apiVersion: string,
  kind: string,
  value: unknown,
  version: SchemaVersion = SCHEMA_KUBERNETES_VERSION,
): Promise<SchemaProblem[]> {
  const load = MODELS[version][`${apiVersion} ${kind}`];
  if (!load || !isObject(value)) return [];
  const Model = await load();
  const reads = new WeakMap<object, Set<string>>();
  const problems: SchemaProblem[] = [];
  try {
    // `validate` runs the generated validator on `this`; giving it the tracked raw data (not a
    // model instance, which would copy it) lets us see which keys the schema reads.
    Model.prototype.validate.call(track(value, reads));
  } catch (error) {
    const errors = (error as { errors?: readonly AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    for (const e of errors) problems.push({ kind: 'schema', path: pointerToPath(e.instancePath), message: describeError(e) });
  }
  collectUnknown(value, [], reads, problems, version);
  return problems;
}

function track(value: unknown, reads: WeakMap<object, Set<string>>): unknown {
  if (value === null || typeof value !== 'object') return value;
  let seen = reads.get(value);
  if (!seen) reads.set(value, (seen = new Set()));
  const keys = seen;
  return new Proxy(value, {
    get(target, property, receiver) {
      const result: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string') return result;
      keys.add(property);
      return Object.hasOwn(target, property) ? track(result, reads) : result;
    },
  });
}

function collectUnknown(value: unknown, path: FieldPath, reads: WeakMap<object, Set<string>>, out: SchemaProblem[], version: SchemaVersion): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectUnknown(item, [...path, i], reads, out, version));
    return;
  }
  if (!isObject(value)) return;
  const seen = reads.get(value);
  // An object the validator never looked into is free-form (or under an unknown field, reported above it).
  if (!seen || seen.size === 0) return;
  for (const key of Object.keys(value)) {
    if (!seen.has(key)) {
      out.push({ kind: 'unknown-field', path: [...path, key], message: `unknown field \`${key}\` (not in the Kubernetes ${version} schema)` });
    } else {
      collectUnknown(value[key], [...path, key], reads, out, version);
    }
  }
}

function pointerToPath(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeError(e: AjvError): string {
  switch (e.keyword) {
    case 'type':
      return `must be of type ${String(e.params['type'])}`;
    case 'required':
      return `missing required field \`${String(e.params['missingProperty'])}\``;
    case 'enum':
      return `must be one of ${JSON.stringify(e.params['allowedValues'])}`;
    case 'format':
      return `must be a valid ${String(e.params['format'])}`;
    default:
      return e.message ?? `fails schema keyword \`${e.keyword}\``;
  }
}

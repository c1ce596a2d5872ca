import type { DependencyFault, DependencySpec } from '../model/dependency.js';
import type { PodSpec } from '../model/pod.js';
import type { BalancerKind } from '../model/load-balancer.js';
import type { KubernetesRelease } from '../model/release.js';

/** An app fault: the event loop of the pods' processes stalls, or their background job wedges. */
export interface AppFault {
  readonly target: 'app';
  readonly kind: 'stall' | 'wedge';
  readonly atMs: number;
  readonly forMs: number;
  /** Replica indexes hit (initial replicas, 0-based). @default all */
  readonly pods: readonly number[] | 'all';
}

export type Fault = AppFault | ({ readonly target: 'dependency'; readonly dependency: string } & DependencyFault);

/** A rolling update of the Deployment, as the deployment controller does it. */
export interface DeploySpec {
  readonly atMs: number;
  /** @default 1 */
  readonly maxSurge: number;
  /** @default 0 */
  readonly maxUnavailable: number;
}

/** A scenario after defaults and validation: everything the simulation needs. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** @default 600000 (10 minutes) */
  readonly durationMs: number;
  /** @default 1 */
  readonly seed: number;
  /** @default 3 */
  readonly replicas: number;
  /** Whose kubelet timing to play (see docs/lab.md, "Kubernetes releases"). @default '1.34' */
  readonly kubernetes: KubernetesRelease;
  /** The kubelet started with the pods: each probe worker's first probe is delayed by a random part of its period. @default true */
  readonly kubeletJustStarted: boolean;
  readonly pod: PodSpec;
  readonly dependencies: Readonly<Record<string, DependencySpec>>;
  readonly faults: readonly Fault[];
  readonly traffic: {
    /** Requests per second through the load balancer. @default 10 */
    readonly rps: number;
    /** A request slower than this fails. @default 10000 */
    readonly timeoutMs: number;
  };
  /** Time from a pod's Ready change (or deletion) to the load balancer acting on it: EndpointSlice controller + kube-proxy. @default 2000 */
  readonly propagationDelayMs: number;
  /** The load balancer in front of the pods. @default 'kube-proxy' */
  readonly loadBalancer: BalancerKind;
  readonly deploy?: DeploySpec;
}

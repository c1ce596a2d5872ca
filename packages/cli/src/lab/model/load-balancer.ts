/**
 * Which load balancer sends the scenario's requests:
 * - `kube-proxy`: a Service's ClusterIP as kube-proxy programs it: ready endpoints, and when there is
 *   none, the endpoints that are serving and terminating (pkg/proxy/topology.go@v1.34 CategorizeEndpoints;
 *   KEP-1669, GA in 1.28).
 * - `ready-only`: ready endpoints only, never a terminating one (many ingress controllers and cloud
 *   load balancers).
 */
export const BALANCERS = ['kube-proxy', 'ready-only'] as const;

export type BalancerKind = (typeof BALANCERS)[number];

/**
 * An endpoint's conditions in its EndpointSlice. NOTE: the EndpointSlice controller sets
 * serving = the pod's Ready condition, terminating = the pod has a deletion timestamp,
 * ready = serving and not terminating.
 */
export interface EndpointConditions {
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** A set with O(1) add, delete and indexed pick (swap-remove), for round-robin without sorting. */
class MemberSet<T> {
  readonly #items: T[] = [];
  readonly #index = new Map<T, number>();

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    return this.#index.has(item);
  }

  add(item: T): void {
    if (this.#index.has(item)) return;
    this.#index.set(item, this.#items.length);
    this.#items.push(item);
  }

  delete(item: T): void {
    const at = this.#index.get(item);
    if (at === undefined) return;
    const last = this.#items.pop()!;
    this.#index.delete(item);
    if (last !== item) {
      this.#items[at] = last;
      this.#index.set(last, at);
    }
  }

  at(i: number): T {
    return this.#items[i]!;
  }

  values(): readonly T[] {
    return this.#items;
  }
}

/**
 * The endpoints a load balancer routes to, updated one endpoint at a time in O(1) (the member list is
 * never copied or sorted), and a round-robin pick over the endpoints in use.
 */
export class LoadBalancer<T> {
  readonly kind: BalancerKind;
  readonly #ready = new MemberSet<T>();
  readonly #servingTerminating = new MemberSet<T>();
  readonly #onRouted: (item: T, routed: boolean) => void;
  #cursor = 0;
  #fallback = false;

  /** `onRouted` hears when an endpoint starts or stops receiving traffic. */
  constructor(kind: BalancerKind, onRouted: (item: T, routed: boolean) => void = () => {}) {
    this.kind = kind;
    this.#onRouted = onRouted;
  }

  /** The endpoint's conditions changed; `undefined`: the endpoint is gone. */
  update(item: T, conditions: EndpointConditions | undefined): void {
    const wasRouted = this.routes(item);
    const ready = conditions !== undefined && conditions.serving && !conditions.terminating;
    const servingTerminating = conditions !== undefined && conditions.serving && conditions.terminating;
    if (ready) this.#ready.add(item);
    else this.#ready.delete(item);
    if (servingTerminating) this.#servingTerminating.add(item);
    else this.#servingTerminating.delete(item);
    const fallback = this.kind === 'kube-proxy' && this.#ready.size === 0 && this.#servingTerminating.size > 0;
    if (fallback !== this.#fallback) {
      // Every serving-terminating endpoint starts or stops receiving traffic at once.
      this.#fallback = fallback;
      for (const other of this.#servingTerminating.values()) if (other !== item) this.#onRouted(other, fallback);
    }
    const routed = this.routes(item);
    if (routed !== wasRouted) this.#onRouted(item, routed);
  }

  /** The endpoint receives traffic now. */
  routes(item: T): boolean {
    return this.#fallback ? this.#servingTerminating.has(item) : this.#ready.has(item);
  }

  /** Endpoints receiving traffic. */
  get size(): number {
    return this.#fallback ? this.#servingTerminating.size : this.#ready.size;
  }

  /** Ready endpoints. */
  get readyCount(): number {
    return this.#ready.size;
  }

  /** kube-proxy is sending to serving-terminating endpoints because none is ready. */
  get usingTerminating(): boolean {
    return this.#fallback;
  }

  /** The next endpoint, round-robin; undefined when there is none to send to. */
  pick(): T | undefined {
    const set = this.#fallback ? this.#servingTerminating : this.#ready;
    if (set.size === 0) return undefined;
    return set.at(this.#cursor++ % set.size);
  }
}

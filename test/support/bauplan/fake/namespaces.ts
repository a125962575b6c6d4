import type { FakeContext } from './state.js';

/** Namespaces created with POST /branches/{b}/namespaces, visible at that branch's head only. */
export function namespacesCreatedAt(context: FakeContext, spec: string): ReadonlySet<string> {
  if (spec.includes('@')) return new Set();
  return context.namespaces.get(spec) ?? new Set();
}

export function addNamespace(context: FakeContext, branch: string, namespace: string): void {
  const names = context.namespaces.get(branch) ?? new Set<string>();
  names.add(namespace);
  context.namespaces.set(branch, names);
}

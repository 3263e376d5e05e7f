/**
 * Process-wide, because liveness is a property of the process: set once something it supervises
 * (the embedded PostgreSQL) is beyond recovery, so /healthz stops saying healthy and a supervisor
 * (systemd, Kubernetes, docker restart policies) replaces the process instead of waiting on it.
 */
let unrecoverable: string | null = null;

export function reportUnrecoverable(reason: string): void {
  unrecoverable ??= reason;
}

export function unrecoverableReason(): string | null {
  return unrecoverable;
}

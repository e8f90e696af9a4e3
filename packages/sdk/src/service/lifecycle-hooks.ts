/**
 * Lifecycle hooks of an app component listed in `defineService({ hooks })`, all optional:
 * `onStart` before the transport connects (open a pool), `onReady` once consumers are attached (start an HTTP
 * server), `onDrain` when the service stops taking work (close the HTTP server), `onStop` after in-flight
 * messages are done (close the pool). Stop hooks run in reverse order.
 */
export interface LifecycleHooks {
  onStart?(): void | Promise<void>;
  onReady?(): void | Promise<void>;
  onDrain?(): void | Promise<void>;
  onStop?(): void | Promise<void>;
}

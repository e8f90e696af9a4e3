/** Who is running: the service's name and this instance's id. */
export interface ServiceInfo {
  readonly name: string;
  readonly instanceId: string;
}
/** DI token of the {@link ServiceInfo}. */
export const ServiceInfo = Symbol.for('@wharf/sdk/ServiceInfo');

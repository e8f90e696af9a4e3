import { ContainerModule } from '@wharf/sdk';
import { ChatHttpApi } from './http-api.js';

/** chat's bindings: the HTTP API. */
export const chatModule = new ContainerModule(({ bind }) => {
  bind(ChatHttpApi).toSelf().inSingletonScope();
});

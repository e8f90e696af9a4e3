import { defineService } from '@wharf/sdk';
import { chatModule } from './chat.module.js';
import { chatConfig } from './config.js';
import { ChatHttpApi } from './http-api.js';

/** chat: accepts chat messages over HTTP and publishes them as `chat.message-posted` events. */
export const chatService = defineService({
  name: 'chat',
  config: chatConfig,
  modules: [chatModule],
  hooks: [ChatHttpApi],
});

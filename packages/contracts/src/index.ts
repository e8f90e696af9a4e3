export { ChatMessagePosted } from './chat/message-posted.js';
export { FeedGet, FeedEntry } from './feed/get.js';

import type { ChannelModel } from 'amqplib';

// The parts of amqplib's connection this relies on (amqplib 2.x): the socket, and the multiplexer that writes
// every channel's frames to it, one write per frame, in passes scheduled with setImmediate.
interface MuxedConnection {
  readonly stream?: { cork?: unknown; uncork?: unknown };
  readonly muxer?: { _readIncoming?: unknown };
}

/**
 * Makes the frames amqplib writes in one pass of its multiplexer (the acks and publishes of one turn of the event
 * loop) leave in one `writev` system call instead of one `write` each: the socket is corked for the pass and
 * uncorked at its end, so nothing waits longer than before. Returns false, changing nothing, when the connection
 * does not have the shape this relies on.
 */
export function coalesceWrites(model: ChannelModel): boolean {
  const connection = model.connection as unknown as MuxedConnection;
  const { stream, muxer } = connection;
  const pass = muxer?._readIncoming;
  if (!stream || !muxer || typeof pass !== 'function') return false;
  const { cork, uncork } = stream;
  if (typeof cork !== 'function' || typeof uncork !== 'function') return false;
  muxer._readIncoming = function corkedPass(this: unknown): void {
    cork.call(stream);
    try {
      pass.call(this);
    } finally {
      uncork.call(stream);
    }
  };
  return true;
}

/** Waiting for a writable to take more, without leaving listeners behind. */

/** Resolves when `stream` emits 'drain', 'close' or 'error' (errors are reported elsewhere); removes its listeners. */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

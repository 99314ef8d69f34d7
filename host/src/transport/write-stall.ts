/**
 * Works around a serialport 13 / @serialport/bindings-cpp 13 Linux poller bug that can hang writes forever.
 *
 * When a write hits EAGAIN (the tty buffer is full) the binding waits for "writable"; but its C++ Poller::poll
 * re-arms libuv with only the events of the latest request (`uv_poll_start(handle, events)` instead of the
 * accumulated `this->events`), so the next read's poll for "readable" silently drops the writable interest. The
 * write then waits until some unrelated readable event happens to re-arm it; if the peer is itself waiting for
 * those bytes (a request/response protocol such as ATT), both ends wait forever. Measured here: a 16 KiB burst of
 * HCI notifications through a socat pty stalled with 26 KB queued in the port and nothing in flight.
 *
 * The fix re-arms both events when queued bytes stop moving. It reaches one level into the binding (the
 * documented `port.port` BindingPort and its `poller`), guarded so that a binding without them is left alone.
 */
import type { SerialPort } from 'serialport';

const UV_READABLE = 1;
const UV_WRITABLE = 2;

interface PollerLike {
  poll(events: number): void;
}

/** Checks every `everyMs` whether queued bytes are stuck and re-arms the poller if so. Returns a stop function. */
export function watchWriteStall(port: SerialPort, everyMs = 25): () => void {
  let lastQueued = -1;
  const timer = setInterval(() => {
    const queued = port.writableLength;
    if (queued > 0 && queued === lastQueued && port.isOpen) {
      const poller = (port.port as unknown as { poller?: PollerLike } | undefined)?.poller;
      if (poller && typeof poller.poll === 'function') poller.poll(UV_READABLE | UV_WRITABLE);
    }
    lastQueued = queued;
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

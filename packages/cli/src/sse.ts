/** Reading a server-sent event stream of the sandbox (the request log, the events): one JSON `data:` per event. */
import { UsageError } from './errors.js';

/**
 * Opens `url` as an event stream with the partner's token and calls `onEvent` with each event's data,
 * in order, until the stream ends or `onEvent` answers false.
 */
export async function followStream<T>(url: string, token: string, what: string, onEvent: (data: T) => Promise<boolean> | boolean): Promise<void> {
  const stream = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } });
  if (!stream.ok || !stream.body) throw new UsageError(`the ${what} stream answered ${stream.status}`);
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = stream.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      if (!(await onEvent(JSON.parse(data.slice(6)) as T))) {
        await reader.cancel().catch(() => {});
        return;
      }
    }
  }
}

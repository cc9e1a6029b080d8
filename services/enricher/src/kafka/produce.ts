import type { OutputRecord } from "./types.ts";

/** Bytes per produce request, well under the broker's default `message.max.bytes` (1 MiB). */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Splits records into runs of at most `maxBytes` (a larger record goes alone). */
export function bySize(records: OutputRecord[], maxBytes: number): OutputRecord[][] {
  const parts: OutputRecord[][] = [];
  let current: OutputRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordBytes(r);
    if (current.length > 0 && bytes + size > maxBytes) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** A record's size on the wire, near enough (64 bytes of framing). */
function recordBytes(r: OutputRecord): number {
  let size = 64 + Buffer.byteLength(r.value ?? "") + (r.key === null ? 0 : Buffer.byteLength(r.key));
  for (const [k, v] of Object.entries(r.headers ?? {})) size += k.length + Buffer.byteLength(v);
  return size;
}

type Message = Omit<OutputRecord, "topic">;

/** Records grouped by topic, in kafkajs's `topicMessages` shape. */
export function toTopicMessages(records: OutputRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) {
      list = [];
      byTopic.set(r.topic, list);
    }
    list.push({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

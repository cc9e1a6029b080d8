/**
 * CPU profiles of one phase of the probe, in process (`node:inspector`), summarised as the
 * functions with the most self time and the most total time: what `node --cpu-prof` gives, per
 * phase, without a viewer.
 */
import { Session } from "node:inspector/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  frame: string;
  selfMs: number;
  totalMs: number;
}

const session = new Session();
let connected = false;

/** Runs `fn` under the CPU profiler; returns its result and the profile's top frames. */
export async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T; frames: Frame[]; ms: number }> {
  if (!connected) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    connected = true;
  }
  await session.post("Profiler.start");
  const result = await fn();
  const { profile } = (await session.post("Profiler.stop")) as { profile: Profile };
  const frames = topFrames(profile);
  const ms = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
  return { result, frames, ms };
}

const keyOf = (n: ProfileNode) => {
  const file = n.callFrame.url.replace(/^.*\/(node_modules\/)?/, (_, m) => (m ? "~/" : ""));
  return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
};

/** Self and total time per function (recursion counted once per sample). */
function topFrames(profile: Profile): Frame[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at) as ProfileNode);
      if (!seen.has(key)) total.set(key, (total.get(key) ?? 0) + us);
      seen.add(key);
    }
  });
  return [...total.keys()].map((frame) => ({
    frame,
    selfMs: (self.get(frame) ?? 0) / 1000,
    totalMs: (total.get(frame) ?? 0) / 1000,
  }));
}

/** The top `n` frames by self time and by total time, as text. */
export function describeFrames(frames: Frame[], n = 15): string {
  const line = (f: Frame) =>
    `    ${f.selfMs.toFixed(1).padStart(8)} ms self ${f.totalMs.toFixed(1).padStart(8)} ms total  ${f.frame}`;
  const bySelf = [...frames].sort((a, b) => b.selfMs - a.selfMs).slice(0, n);
  const byTotal = [...frames]
    .filter((f) => !/^\((root|program|idle|garbage collector)\)/.test(f.frame))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, n);
  return ["  by self time:", ...bySelf.map(line), "  by total time:", ...byTotal.map(line)].join("\n");
}

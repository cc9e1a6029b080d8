import * as crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isAuthorized } from "./auth.ts";
import { hashToken } from "./config.ts";

// Spy on the one comparison the check may use: `timingSafeEqual` takes the same time for every
// pair of equal-length buffers, whatever they hold.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

const tokens = ["first-token-aaaa", "second-token-bbbb", "third-token-cccc"];
const hashes = tokens.map(hashToken);

afterEach(() => {
  timingSafeEqual.mockClear();
});

describe("bearer tokens", () => {
  it("accepts a configured token and refuses others", () => {
    expect(isAuthorized("Bearer second-token-bbbb", hashes)).toBe(true);
    expect(isAuthorized("bearer   third-token-cccc ", hashes)).toBe(true);
    expect(isAuthorized("Bearer second-token-bbb", hashes)).toBe(false);
    expect(isAuthorized("Basic second-token-bbbb", hashes)).toBe(false);
    expect(isAuthorized(undefined, hashes)).toBe(false);
  });

  it.each([
    ["a matching token", "Bearer first-token-aaaa"],
    ["a token of another length", "Bearer x"],
    ["a token sharing a prefix", "Bearer first-token-aaab"],
  ])("compares %s in constant time: digests of equal length, with every configured token", (_, header) => {
    isAuthorized(header, hashes);
    // No early exit: the time does not tell which token (if any) matched.
    expect(timingSafeEqual).toHaveBeenCalledTimes(tokens.length);
    const presented = hashToken(header.split(" ")[1] as string);
    for (const [index, [a, b]] of timingSafeEqual.mock.calls.entries()) {
      // Both sides are SHA-256 digests: equal lengths whatever was presented, so the length of
      // a token does not show either.
      expect(Buffer.from(a as Uint8Array)).toEqual(presented);
      expect(Buffer.from(b as Uint8Array)).toEqual(hashes[index]);
    }
  });
});

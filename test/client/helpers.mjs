// Shared by the KunogClient test files.
import assert from "node:assert/strict";

/** A fetch that records every request the client sends (time, URL, method, headers, body), then sends it. */
export function recordingFetch() {
  const requests = [];
  const fetch = async (url, init = {}) => {
    requests.push({ at: performance.now(), url: String(url), method: init.method ?? "GET", headers: new Headers(init.headers), body: init.body });
    return globalThis.fetch(url, init);
  };
  return { fetch, requests };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejects(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

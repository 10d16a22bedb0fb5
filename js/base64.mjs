// Base64 to bytes with the fastest decoder the runtime has: Uint8Array.fromBase64 (newer
// engines), Buffer (Node, Bun, Deno; about 20x faster than the loop), else atob, which every
// runtime has (browsers, workerd).
export function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  if (typeof globalThis.Buffer?.from === "function") return globalThis.Buffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// Base64 to bytes with what every runtime has (atob): browsers, Node 16+, Bun, Deno, workerd.
export function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

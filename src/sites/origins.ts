/**
 * A browser origin as browsers send it in the `Origin` header (`https://shop.example.com`, lower-case
 * host, no default port, no path), or undefined when `text` is not an http(s) origin. What operators
 * type (`https://Shop.Example.com/`) is stored in this form, so comparing with the header is exact.
 */
export function normalizeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !text.includes('*');
  return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : undefined;
}

/** The `Origin` header of a request or handshake, if it is a single header value. */
export const originHeader = (headers: Record<string, string | string[] | undefined>): string | undefined =>
  typeof headers.origin === 'string' ? headers.origin : undefined;

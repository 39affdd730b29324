/** The part of the WHATWG fetch signature the protocol layer uses; inject one for tests or proxies. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

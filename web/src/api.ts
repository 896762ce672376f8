// The suite's API as the gateway serves it (same origin as the dashboard), typed by
// `api.gen.d.ts`, which `npm run types` generates from openapi/atvsld.json: a field
// renamed in the API fails `tsc` here instead of showing blanks in the browser.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api.gen";

export type Schemas = components["schemas"];
type Problem = Schemas["ProblemDetails"];

/** An answer that is not a success, with the problem details the service sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(`${status} ${title}: ${detail}`);
  }
}

const TOKEN_KEY = "atvsld.token";

/** The pasted token lives in this tab only: it is gone when the tab is closed. */
export const token = {
  get: (): string => sessionStorage.getItem(TOKEN_KEY) ?? "",
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

const auth: Middleware = {
  onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${token.get()}`);
    request.headers.set("Accept-Language", "vi");
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && "title" in body && "status" in body;
}

/** The answer's body, or an `ApiError` (problem+json title and detail when there is one). */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  if (isProblem(error)) throw new ApiError(response.status, error.title, error.detail);
  throw new ApiError(response.status, response.statusText || "Lỗi", `${response.url} trả lời ${response.status}`);
}

/** Every item of a paged list: pages are asked for with the previous one's `next_cursor`
 * until there is none. Returns the first page (for what the list says besides its items) and all the items. */
export async function allPages<P extends { items: unknown[]; next_cursor?: string | null }>(
  page: (cursor: string | undefined) => Promise<P>,
): Promise<{ first: P; items: P["items"] }> {
  const first = await page(undefined);
  const items = [...first.items];
  for (let cursor = first.next_cursor; cursor; ) {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.next_cursor;
  }
  return { first, items };
}

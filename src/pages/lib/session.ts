// Tokens live in this tab's sessionStorage only: never in URLs, cookies or logs,
// and gone when the tab closes.

/** The token kept for `page`, if any. */
export function loadToken(page: string): string | null {
  return sessionStorage.getItem(`convoflow.${page}.token`);
}

/** Keeps `token` for `page` in this tab. */
export function saveToken(page: string, token: string): void {
  sessionStorage.setItem(`convoflow.${page}.token`, token);
}

/** Forgets the token of `page` (sign out). */
export function clearToken(page: string): void {
  sessionStorage.removeItem(`convoflow.${page}.token`);
}

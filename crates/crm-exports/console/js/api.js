// The console's one way to the server: ordinary API calls carrying the signed-in token as
// a bearer header, exactly what any other client sends, so the console can do nothing
// the token cannot. The token lives in this tab's sessionStorage only: never in a URL,
// a cookie or localStorage.

const TOKEN_KEY = 'crm-exports.console.token';
const INFO_KEY = 'crm-exports.console.token-info';

/** An API answer that is not a success, with HubSpot's error body when there is one. */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
    this.category = body && typeof body.category === 'string' ? body.category : null;
  }
}

function describe(status, body) {
  const message = body && typeof body.message === 'string' ? body.message : `HTTP ${status}`;
  const first = body && Array.isArray(body.errors) && body.errors[0];
  const detail = first && typeof first.message === 'string' ? first.message : null;
  return detail && !message.includes(detail) ? `${message} (${detail})` : message;
}

export function currentToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** What the server said of the signed-in token: `hubId` (the portal) and `scopes`. */
export function tokenInfo() {
  try {
    return JSON.parse(sessionStorage.getItem(INFO_KEY) ?? 'null');
  } catch {
    return null;
  }
}

export function hasScope(scope) {
  const info = tokenInfo();
  return Boolean(info && Array.isArray(info.scopes) && info.scopes.includes(scope));
}

let unauthorized = () => {};

/** Called when the server stops accepting the signed-in token (revoked, or another server). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Checks a pasted token with HubSpot's token introspection call, then keeps it for the tab. */
export async function signIn(token) {
  const info = await request('POST', '/oauth/v2/private-apps/get/access-token-info', { tokenKey: token }, token);
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(INFO_KEY, JSON.stringify(info));
  return info;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(INFO_KEY);
}

async function request(method, path, body, token = currentToken()) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    throw new ApiError(0, { message: `The server cannot be reached (${error.message}).` });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && token && token === currentToken()) unauthorized(error);
    throw error;
  }
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}) => request('POST', path, body),
};

/** A path segment or query value, escaped. */
export const enc = encodeURIComponent;

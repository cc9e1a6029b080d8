import type { FlinkClientError } from "../errors.ts";
import { flinkErrorsOf, type HttpResponse, type HttpTransport, httpError } from "../http.ts";

/**
 * The gateway answers a request on an unknown session with a 500 whose trace
 * says "Session '<handle>' does not exist"; that is SESSION_NOT_FOUND, not a
 * server failure, so callers can open a fresh session.
 */
export function gatewayError(
  http: HttpTransport,
  response: HttpResponse,
  what: string,
  sessionHandle: string,
): FlinkClientError {
  const text = flinkErrorsOf(response.body).join("\n");
  if (text.includes(`Session '${sessionHandle}' does not exist`)) {
    return httpError(http, response, what, "SESSION_NOT_FOUND");
  }
  return httpError(http, response, what);
}

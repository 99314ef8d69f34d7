/** Typed API errors: every refusal carries an HTTP status and a stable machine-readable `code`. */

export type ApiErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'issuer_invalid'
  | 'audience_invalid'
  | 'claim_missing'
  | 'claim_invalid'
  | 'client_inactive'
  | 'tenant_forbidden'
  | 'scope_forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'bad_json'
  | 'body_too_large'
  | 'invalid_body'
  | 'invalid_query'
  | 'too_many_streams'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  token_missing: 401,
  token_malformed: 401,
  alg_not_allowed: 401,
  unknown_kid: 401,
  signature_invalid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  issuer_invalid: 401,
  audience_invalid: 401,
  claim_missing: 401,
  claim_invalid: 401,
  client_inactive: 401,
  tenant_forbidden: 403,
  scope_forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  bad_json: 400,
  body_too_large: 413,
  invalid_body: 422,
  invalid_query: 400,
  too_many_streams: 429,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }
}

import type { ServerResponse } from 'node:http';

/**
Error bodies as the distribution spec defines them (`{"errors":[{code, message, detail}]}`),
with the codes and statuses the CNCF registry uses, so clients print their usual messages.
*/
export type RegistryErrorCode =
  | 'NAME_UNKNOWN'
  | 'NAME_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'TAG_INVALID'
  | 'UNSUPPORTED'
  | 'PAGINATION_NUMBER_INVALID';

const STATUS: Record<RegistryErrorCode, number> = {
  NAME_UNKNOWN: 404,
  NAME_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  BLOB_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  TAG_INVALID: 400,
  UNSUPPORTED: 405,
  PAGINATION_NUMBER_INVALID: 400,
};

const MESSAGE: Record<RegistryErrorCode, string> = {
  NAME_UNKNOWN: 'repository name not known to registry',
  NAME_INVALID: 'invalid repository name',
  MANIFEST_UNKNOWN: 'manifest unknown',
  BLOB_UNKNOWN: 'blob unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  TAG_INVALID: 'manifest tag did not match URI',
  UNSUPPORTED: 'The operation is unsupported.',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
};

/** Sends the error; returns 0, the number of content bytes served (for the request log). */
export function sendRegistryError(res: ServerResponse, head: boolean, code: RegistryErrorCode, detail?: unknown, status = STATUS[code]): 0 {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message: MESSAGE[code], ...(detail === undefined ? {} : { detail }) }] }));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(head ? undefined : body);
  return 0;
}

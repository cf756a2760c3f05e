import * as http from 'http';
import * as https from 'https';

/*
 * What every Lambda-backed custom resource of the library shares: the request CloudFormation
 * sends and the answer it waits for. Imported by handlers (esbuild bundles it into each), never
 * by constructs.
 */

/** A CloudFormation custom resource request whose properties are `P`. */
export interface CustomResourceRequest<P> {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: P & { ServiceToken: string };
  readonly OldResourceProperties?: P;
}

/** What a handler answers: the physical ID, and attributes for `Fn::GetAtt` (never a secret). */
export interface CustomResourceResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { [key: string]: string };
}

/** Sends the result to CloudFormation's pre-signed S3 URL. */
export function respond(
  event: Pick<CustomResourceRequest<unknown>, 'ResponseURL' | 'StackId' | 'RequestId' | 'LogicalResourceId'>,
  status: 'SUCCESS' | 'FAILED',
  result: CustomResourceResult,
  reason?: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: (reason ?? 'See the function log').slice(0, 3000),
    PhysicalResourceId: result.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: result.Data,
  });
  const url = new URL(event.ResponseURL);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: 'PUT',
      // One request per invocation: no keep-alive socket left open to freeze with the sandbox.
      agent: false,
      // The pre-signed URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300
        ? resolve()
        : reject(new Error(`CloudFormation response was refused with HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

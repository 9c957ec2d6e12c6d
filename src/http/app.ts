import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { capConnectionsPerAddress, checkPathParams, guardHost, hostnameOf } from './edge.js';
import { AppError } from './errors.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** One Fastify instance with Dockhand's error shape; services register their routes on it. */
export async function createHttpApp(logger: Logger, config: Pick<Config, 'trustProxy' | 'http' | 'host' | 'publicBaseUrl' | 'allowedHosts'>): Promise<FastifyInstance> {
  const { trustProxy, http } = config;
  const app = Fastify({
    // A client that trickles its headers or body, or idles, must not hold a connection for as long as
    // it likes; Node checks these deadlines every connectionsCheckingInterval.
    requestTimeout: http.requestTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, http.headersTimeoutMs / 2) },
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Per-request lines would drown the saga's own log; errors are still logged by the handler below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
  });
  await app.register(formbody);
  capConnectionsPerAddress(app.server, http.maxConnectionsPerAddress);
  // Read at request time: with PORT=0 the public base URL is only known once listening.
  const boundHost = hostnameOf(config.host);
  guardHost(app, () => [hostnameOf(new URL(config.publicBaseUrl).host), boundHost, ...config.allowedHosts].filter((h): h is string => !!h && h !== '0.0.0.0' && h !== '::' && h !== '[::]'));
  checkPathParams(app);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({ error: error.code, message: error.message, details: error.details });
    }
    const fastifyError = error as { code?: string; statusCode?: number; message: string };
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({
          error: 'body_too_large',
          message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KiB. Send one booking per request.`,
          details: [],
        });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send({
          error: 'unsupported_media_type',
          message: 'Send the body as JSON with "Content-Type: application/json".',
          details: [],
        });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send({ error: 'empty_body', message: 'The request body is empty; send a JSON object.', details: [] });
    }
    if (fastifyError.statusCode === 400 || error instanceof SyntaxError) {
      return reply.status(400).send({
        error: 'malformed_json',
        message: `The request body is not valid JSON: ${fastifyError.message}. Check quotes, commas and brackets.`,
        details: [],
      });
    }
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send({ error: 'bad_request', message: fastifyError.message, details: [] });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      error: 'internal_error',
      message: 'Something went wrong on our side; it has been logged. Try again, and if it persists, check the server log.',
      details: [],
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}.`, details: [] }),
  );
  return app;
}

import { z } from 'zod';

/** Thrown when the environment cannot describe a working service; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const hex64 = optionalString.refine((v) => v === undefined || /^[0-9a-f]{64}$/i.test(v), {
  message: 'must be the SHA-256 hex digest of the key: exactly 64 hexadecimal characters',
});

const secret = optionalString.refine((v) => v === undefined || v.length >= 16, {
  message: 'must be at least 16 characters; leave it unset to have one generated on first start',
});

const seconds = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a number of seconds' })
    .positive('must be more than 0 seconds')
    .max(3600, 'must be at most 3600 seconds')
    .default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DOCKHAND_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  PUBLIC_BASE_URL: url(['http:', 'https:']),
  DASHBOARD_TOKEN: secret,
  SERVICE_KEY: secret,
  SERVICE_KEY_HASH: hex64,
  SMTP_URL: optionalString.refine((v) => v === undefined || /^(smtps?:\/\/|ses:)/.test(v), {
    message: 'must start with smtp://, smtps:// or ses:',
  }),
  MAIL_FROM: z.string().min(3).default('Dockhand <dockhand@localhost>'),
  OWNER_EMAIL: optionalString.refine((v) => v === undefined || z.email().safeParse(v).success, { message: 'must be an email address' }),
  STORAGE_URL: url(['s3:']),
  S3_ENDPOINT: url(['http:', 'https:']),
  CDN: optionalString.refine((v) => v === undefined || /^cloudfront:[A-Z0-9]+$/.test(v), {
    message: 'must be cloudfront:DISTRIBUTION_ID (upper-case letters and digits)',
  }),
  CALENDAR_URL: url(['http:', 'https:']),
  CREW_URL: url(['http:', 'https:']),
  TRUST_PROXY: optionalString.refine((v) => v === undefined || /^(true|false|\d+|[0-9a-fA-F.:/, ]+)$/.test(v), {
    message: 'must be true, a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs',
  }),
  BOOKING_DAYS_BACK: z.coerce.number({ message: 'must be a whole number of days' }).int('must be a whole number of days').min(0).max(3650).default(365),
  BOOKING_DAYS_AHEAD: z.coerce.number({ message: 'must be a whole number of days' }).int('must be a whole number of days').min(1).max(3650).default(3 * 365),
  ALLOWED_HOSTS: optionalString.refine((v) => v === undefined || v.split(',').every((h) => /^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/i.test(h.trim())), {
    message: 'must be a comma-separated list of host names, like calendar.internal,10.0.0.5',
  }),
  HTTP_REQUEST_TIMEOUT: seconds(120),
  HTTP_HEADERS_TIMEOUT: seconds(10),
  HTTP_IDLE_TIMEOUT: seconds(30),
  HTTP_KEEP_ALIVE_TIMEOUT: seconds(5),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1).max(100_000).default(256),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicBaseUrl: string;
  /** False when PUBLIC_BASE_URL was left unset and derived from the port (port 0 fixes it at listen). */
  publicBaseUrlSet: boolean;
  dashboardToken: string | undefined;
  serviceKey: string | undefined;
  serviceKeyHash: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Where conflicts and other things needing the owner's decision are sent. */
  ownerEmail: string;
  storageUrl: string | undefined;
  s3Endpoint: string | undefined;
  cdn: string | undefined;
  calendarUrl: string | undefined;
  crewUrl: string | undefined;
  /** Which X-Forwarded-For hops to believe; false unless a proxy is configured, so clients cannot spoof their address. */
  trustProxy: boolean | number | string[];
  logLevel: Env['LOG_LEVEL'];
  /** Host names besides loopback and PUBLIC_BASE_URL's that requests may be addressed to. */
  allowedHosts: string[];
  /** Server limits against slow and greedy clients, in milliseconds (the cap in connections). */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; idleTimeoutMs: number; keepAliveTimeoutMs: number; maxConnectionsPerAddress: number };
  /** How far before and after today a new or moved booking's date may be. */
  bookingWindow: { daysBack: number; daysAhead: number };
}

/** Parses the environment once; the first bad variable stops start-up with its name. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const e = result.data;
  if (e.SERVICE_KEY && e.SERVICE_KEY_HASH) {
    throw new ConfigError('SERVICE_KEY_HASH', 'set either SERVICE_KEY or SERVICE_KEY_HASH, not both');
  }
  const port = e.PORT;
  return {
    port,
    host: e.HOST,
    dataDir: e.DOCKHAND_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    publicBaseUrlSet: e.PUBLIC_BASE_URL !== undefined,
    dashboardToken: e.DASHBOARD_TOKEN,
    serviceKey: e.SERVICE_KEY,
    serviceKeyHash: e.SERVICE_KEY_HASH?.toLowerCase(),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    ownerEmail: e.OWNER_EMAIL ?? e.MAIL_FROM.match(/<([^>]+)>/)?.[1] ?? e.MAIL_FROM,
    storageUrl: e.STORAGE_URL,
    s3Endpoint: e.S3_ENDPOINT,
    cdn: e.CDN,
    calendarUrl: e.CALENDAR_URL?.replace(/\/+$/, ''),
    crewUrl: e.CREW_URL?.replace(/\/+$/, ''),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    allowedHosts: (e.ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT * 1000,
      headersTimeoutMs: Math.min(e.HTTP_HEADERS_TIMEOUT, e.HTTP_REQUEST_TIMEOUT) * 1000,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT * 1000,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT * 1000,
      maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    },
    bookingWindow: { daysBack: e.BOOKING_DAYS_BACK, daysAhead: e.BOOKING_DAYS_AHEAD },
  };
}

function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

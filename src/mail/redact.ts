/**
 * Magic-link tokens in a stored email body, replaced once the email has gone: the recipient has the
 * link, and the database (and every export of it) then holds only the token's hash, elsewhere.
 */
const LINK_TOKEN = /(\/m\/)[A-Za-z0-9_-]{32,}/g;

export const REDACTED = '[link removed after sending]';

export const redactLinks = (body: string): string => body.replace(LINK_TOKEN, `$1${REDACTED}`);

import { z } from 'zod';

// Text is stored once and then shown in emails, pages, calendar files and terminals. Control
// characters break those formats (PostgreSQL refuses NUL outright, so a booking holding one would fail
// at every step while still holding its crew), lone surrogates are not characters at all, and bidi
// overrides make "ecruos" read as "source" on a page: refused at the edge, never stored.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_OR_LINE_BREAK = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string is not text, or null when it is. `multiline` lets tab and newline through. */
export function textProblem(value: string, multiline = false): string | null {
  if (value.includes('\u0000')) return 'must not contain a NUL character (\\u0000); remove it';
  if ((multiline ? CONTROL : CONTROL_OR_LINE_BREAK).test(value)) {
    return multiline
      ? 'must not contain control characters other than tab and newline; remove them'
      : 'must be one line of text without control characters (tabs, line breaks, \\u0001…); remove them';
  }
  if (LONE_SURROGATE.test(value)) return 'contains a broken character (a lone UTF-16 surrogate); send valid UTF-8 text';
  if (BIDI_CONTROL.test(value)) return 'must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069); remove them';
  return null;
}

/** Same meaning, same bytes: "é" typed as e + combining accent equals "é" typed as one character. */
const canonical = (value: string, multiline: boolean) => {
  const nfc = value.normalize('NFC');
  // A bare CR would end a line in a calendar file or a mail header; CRLF and CR become LF.
  return multiline ? nfc.replace(/\r\n?/g, '\n') : nfc;
};

export interface TextOptions {
  /** Allows tab and newline (notes); one-line fields refuse them. */
  multiline?: boolean;
  /** Allows the empty string (after trimming). */
  allowEmpty?: boolean;
}

/**
 * Every piece of human text Dockhand accepts goes through here: normalised to NFC, trimmed, refused
 * (naming the field) when it holds characters that are not text, and length-capped.
 */
export function text(max: number, options: TextOptions = {}) {
  const multiline = options.multiline ?? false;
  const base = z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') })
    .overwrite((v) => canonical(v, multiline))
    .refine((v) => textProblem(v, multiline) === null, { error: (issue) => textProblem(String(issue.input), multiline) ?? 'is not text' })
    .trim();
  const sized = options.allowEmpty ? base : base.min(1, { error: 'must not be empty' });
  return sized.max(max, { error: `must be at most ${max} characters` });
}

/** For free-form inputs that are not schemas (CSV cells, query strings): the same rule as text(). */
export function assertText(value: string, multiline = false): string | null {
  return textProblem(canonical(value, multiline), multiline);
}

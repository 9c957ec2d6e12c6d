// Words that mark a segment as money the owner keeps to themselves.
const moneyWords = /\b(revenue|gross|net\s+(?:amount|income)|income|profit|price[sd]?|pricing|totals?|subtotals?|payouts?|earnings?|earned|fares?|commission|charged|amount\s+paid|booking\s+value)\b/i;
const currencyCodes = 'USD|US\\$|EUR|GBP|CAD|AUD|NZD|MXN|CHF|JPY|SEK|NOK|DKK|BRL|INR|ZAR|AED|SGD|HKD';
const currencyAmount = new RegExp(
  [
    `[$€£¥₹₩₽]\\s?\\d`, // $840.75, € 120
    `\\d[\\d.,]*\\s?(?:${currencyCodes}|[€£¥₹₩₽])(?![A-Za-z])`, // 840.75 USD, 120€
    `(?<![A-Za-z])(?:${currencyCodes})\\s?\\d`, // USD 840.75
    `\\d[\\d.,]*\\s?(?:dollars?|bucks|euros?|pounds?)\\b`, // 840 dollars
  ].join('|'),
  'i',
);

/** True when a piece of text speaks of revenue or carries a currency amount. */
export const mentionsRevenue = (segment: string): boolean => moneyWords.test(segment) || currencyAmount.test(segment);

/**
 * Removes revenue from free-text notes before they are stored, so no later reader (page, email, API)
 * can leak it. Segments are split on "|" and line breaks; any that mention money are dropped whole.
 * Returns null when nothing is left.
 */
export function stripRevenue(notes: string | null | undefined): string | null {
  if (notes === null || notes === undefined) return null;
  const lines = notes.split(/\r?\n|\r/).flatMap((line) => {
    const segments = line.split('|').map((s) => s.trim());
    const kept = segments.filter((s) => s !== '' && !mentionsRevenue(s));
    if (kept.length === 0) return segments.some((s) => s !== '') ? [] : [''];
    return [kept.join(' | ')];
  });
  const text = lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  return text === '' ? null : text;
}

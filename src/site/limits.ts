/** What a guest may upload, kept in one place so the presign, the local endpoint and the page agree. */
export const MAX_PHOTO_BYTES = 25 * 1024 * 1024;
export const PRESIGN_EXPIRY_SECONDS = 10 * 60;
/** Uploads stay open this long after the charter ends: long enough to gather everyone's photos. */
export const UPLOADS_OPEN_DAYS = 30;
/** Files one plain (no-JavaScript) form post may carry. */
export const MAX_FILES_PER_POST = 20;

/** The types a phone's camera roll produces; the extension of the stored key follows the type. */
export const PHOTO_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
};

export const isPhotoType = (type: string): boolean => Object.hasOwn(PHOTO_TYPES, type);

export const megabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

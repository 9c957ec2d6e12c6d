/**
 * Configuration for what serves the published pages when Dockhand does not: a CloudFront Function in
 * front of the bucket, or nginx in front of a copy of it on disk. Both do the origin's rewrite,
 * /g/<slug>/ and /g/<slug> → /g/<slug>.html, and send everything else to Dockhand.
 */

/** The slug pattern of slug.ts, as both configs need it in their own regex dialect. */
const SLUG = '[a-z0-9][a-z0-9-]{0,119}';
/** Paths under /g/ that are Dockhand's API, not pages, even though they look like one segment. */
const RESERVED = ['presign', 'upload'];

/** A viewer-request function (cloudfront-js-2.0). The rewrite is internal: the browser keeps /g/<slug>/. */
export function cloudFrontFunction(): string {
  return `// Dockhand guest pages: /g/<slug>/ and /g/<slug> are served from the object g/<slug>.html.
// Attach to the default (bucket) behaviour as a viewer-request function, runtime cloudfront-js-2.0.
// The API paths (/g/presign, /g/upload, /g/*/photos*, /g/*/upload) belong in behaviours that point
// at Dockhand, with the CachingDisabled cache policy and the AllViewerExceptHostHeader origin request
// policy, so "Authorization" reaches the operator API.
var PAGE = /^\\/g\\/(${SLUG})\\/?$/;
var RESERVED = ${JSON.stringify(RESERVED)};

function handler(event) {
  var request = event.request;
  if (request.method !== 'GET' && request.method !== 'HEAD') return request;
  var match = PAGE.exec(request.uri);
  if (match && RESERVED.indexOf(match[1]) === -1) request.uri = '/g/' + match[1] + '.html';
  return request;
}
`;
}

export interface NginxOptions {
  /** The directory holding the bucket's objects (its prefix): g/<slug>.html lives under it. */
  root: string;
  /** Where Dockhand listens. */
  upstream: string;
  serverName: string;
  listen: string;
}

export const defaultNginxOptions: NginxOptions = {
  root: '/srv/dockhand/site',
  upstream: 'http://127.0.0.1:8080',
  serverName: 'charters.example.com',
  listen: '80',
};

/** A server block: pages and photos from disk, everything else (uploads, gallery JSON, API) to Dockhand. */
export function nginxServerBlock(options: Partial<NginxOptions> = {}): string {
  const o = { ...defaultNginxOptions, ...options };
  const pageHeaders = [
    'add_header X-Robots-Tag "noindex, nofollow" always;',
    'add_header Referrer-Policy no-referrer always;',
    'add_header X-Content-Type-Options nosniff always;',
    'add_header X-Frame-Options DENY always;',
  ];
  return `# Dockhand guest pages served by nginx from a copy of the bucket (for example "aws s3 sync").
# The page carries its own Content-Security-Policy in a <meta> tag.
server {
    listen ${o.listen};
    server_name ${o.serverName};
    root ${o.root};

    # The origin's rewrite: /g/<slug>/ and /g/<slug> are the object g/<slug>.html.
    location ~ "^/g/(?!(?:${RESERVED.join('|')})/?$)(${SLUG})/?$" {
        limit_except GET { deny all; }
        default_type text/html;
        charset utf-8;
        ${pageHeaders.join('\n        ')}
        add_header Cache-Control no-cache always;
        etag on;
        try_files /g/$1.html =404;
    }

    # Photo copies never change once written.
    location ~ "^/g/${SLUG}/p/ph_[a-z0-9]+-(t\\.webp|w\\.webp|o\\.jpg)$" {
        limit_except GET { deny all; }
        add_header Cache-Control "public, max-age=31536000, immutable" always;
        add_header X-Content-Type-Options nosniff always;
        try_files $uri =404;
    }

    # The raw uploads (with their location data) and the .html objects are not for viewers.
    location ~ "^/g/${SLUG}(\\.html$|/uploads/)" {
        return 404;
    }

    # Everything else, uploads and the gallery JSON included, is Dockhand's.
    location / {
        proxy_pass ${o.upstream};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # Uploads stream through to Dockhand as they arrive instead of being spooled here first.
        proxy_request_buffering off;
        client_max_body_size 520m;
    }
}
`;
}

/** nginx with every path it writes under one directory, so it runs unprivileged (tests, the bench). */
export function nginxStandaloneConfig(serverBlock: string, tempDir: string, workers = 1): string {
  return `worker_processes ${workers};
pid ${tempDir}/nginx.pid;
error_log ${tempDir}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${tempDir}/client_body;
    proxy_temp_path ${tempDir}/proxy;
    fastcgi_temp_path ${tempDir}/fastcgi;
    uwsgi_temp_path ${tempDir}/uwsgi;
    scgi_temp_path ${tempDir}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types { text/html html; image/webp webp; image/jpeg jpg; }
${serverBlock.replace(/^/gm, '    ')}
}
`;
}

import { createHash } from 'node:crypto';

// One stylesheet for every page the site serves, so one CSP hash covers them all. No style=""
// attributes anywhere: a hash does not cover those.
export const css = `
:root{color-scheme:light dark;--bg:#f4f6f8;--fg:#1b2733;--card:#fff;--muted:#5b6875;--line:#dde3e9;--accent:#0b5cad;--on-accent:#fff;--warn-bg:#fdecea;--warn-fg:#8a1c12;--warn-line:#e8a39b}
@media (prefers-color-scheme:dark){:root{--bg:#0f1720;--fg:#e6edf3;--card:#18222d;--muted:#9aa7b4;--line:#2a3744;--accent:#7dbbff;--on-accent:#0f1720;--warn-bg:#4a1612;--warn-fg:#ffdcd6;--warn-line:#8a3a30}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;overflow-wrap:anywhere}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.25rem;margin-bottom:1rem}
.eyebrow{margin:0;color:var(--accent);font-size:.8rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase}
h1{margin:.25rem 0 .75rem;font-size:1.5rem;line-height:1.25}
h2{margin:0 0 .75rem;font-size:1.2rem}
.cancelled h1{text-decoration:line-through;color:var(--muted)}
.banner{margin:0 0 1rem;padding:1rem;border:2px solid var(--warn-line);border-radius:12px;background:var(--warn-bg);color:var(--warn-fg)}
.banner strong{display:block;font-size:1.15rem}
.banner p{margin:.25rem 0 0}
dl{margin:1rem 0 0}
dl div{padding:.75rem 0;border-top:1px solid var(--line)}
dt{color:var(--muted);font-size:.85rem}
dd{margin:0;font-size:1.05rem;font-weight:600}
.note{margin:1rem 0 0;color:var(--muted);font-size:.9rem}
a{color:var(--accent)}
.button,button{display:inline-block;margin-top:.75rem;padding:.7rem 1.1rem;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.button.quiet{background:transparent;color:var(--accent);border:1px solid var(--line)}
label{display:block;font-weight:600;margin-bottom:.4rem}
input[type=file]{display:block;width:100%;padding:.6rem;border:1px dashed var(--line);border-radius:8px;background:var(--bg);color:var(--fg);font:inherit}
.hint{margin:.3rem 0 0;color:var(--muted);font-size:.85rem}
.status{list-style:none;margin:.75rem 0 0;padding:0}
.status li{padding:.3rem 0;font-size:.9rem}
.status li.bad{color:var(--warn-fg);background:var(--warn-bg);padding:.5rem;border-radius:8px}
.status progress{width:6rem;margin-right:.5rem;vertical-align:middle}
.gallery{list-style:none;margin:1rem 0 0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(6.5rem,1fr));gap:.4rem}
.gallery img{display:block;width:100%;height:auto;aspect-ratio:1;object-fit:cover;border-radius:6px;background:var(--line)}
[hidden]{display:none!important}
footer{padding:1rem;text-align:center;color:var(--muted);font-size:.8rem}
@media (min-width:40rem){main{padding:2rem 1rem}h1{font-size:1.9rem}}
`;

export const cssHash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;

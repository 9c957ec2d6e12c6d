import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const css = `:root{--bg:#f4f6f8;--card:#fff;--fg:#1b2733;--muted:#4a5866;--line:#cfd7df;--accent:#0b5cad;--accent-fg:#fff;
--ok:#0f5c26;--ok-bg:#dcf5e3;--warn:#6e4500;--warn-bg:#fff0c2;--bad:#9b0c22;--bad-bg:#ffe4e6;--today:#e6f0fb;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0f151b;--card:#17212a;--fg:#e3e8ee;--muted:#aab7c4;--line:#33414f;--accent:#7cbcff;--accent-fg:#0a1a2b;
--ok:#86e3ab;--ok-bg:#12301f;--warn:#f2cb7d;--warn-bg:#382a08;--bad:#ffaaae;--bad-bg:#3d1519;--today:#16304a}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--card);padding:8px;z-index:9}
header.top{background:var(--card);border-bottom:1px solid var(--line)}header.top>div{max-width:1200px;margin:0 auto;padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
.brand{font-weight:700;text-decoration:none;color:var(--fg)}nav ul{display:flex;flex-wrap:wrap;gap:4px 12px;list-style:none;margin:0;padding:0}
nav a{text-decoration:none;padding:6px 4px;display:inline-block}nav a[aria-current=page]{font-weight:700;border-bottom:3px solid var(--accent)}
.signout{margin-left:auto}main{max-width:1200px;margin:0 auto;padding:16px}h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:0 0 12px}
table{border-collapse:collapse;width:100%;background:var(--card)}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}label{display:block;font-weight:600;margin:.5rem 0 .2rem}.hint{color:var(--muted);font-size:.9rem;margin:.1rem 0}
input,select,textarea{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--muted);border-radius:6px;padding:6px 8px;max-width:100%}
input[type=checkbox]{width:1.1rem;height:1.1rem}textarea{width:100%;min-height:8rem;font-family:ui-monospace,monospace;font-size:.9rem}
.grid{display:grid;gap:0 16px;grid-template-columns:repeat(auto-fill,minmax(220px,1fr))}fieldset{border:1px solid var(--line);border-radius:8px;margin:12px 0;padding:8px 12px}
legend{font-weight:700;padding:0 4px}.check{display:flex;gap:8px;align-items:center;font-weight:400;margin:.2rem 0}
button,.button{font:inherit;font-weight:600;cursor:pointer;border-radius:6px;padding:8px 14px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:var(--card);color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad);color:var(--card)}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:12px 0}.actions form{margin:0}
.field-error{color:var(--bad);font-weight:600;margin:.2rem 0}[aria-invalid=true]{border:2px solid var(--bad)}
.notice{border-left:4px solid var(--accent);background:var(--card);padding:8px 12px;margin:0 0 12px}.notice.error{border-color:var(--bad);background:var(--bad-bg)}
.badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:.85rem;font-weight:600;white-space:nowrap;background:var(--bg);color:var(--fg);border:1px solid var(--line)}
.b-ok{background:var(--ok-bg);color:var(--ok);border-color:transparent}.b-warn{background:var(--warn-bg);color:var(--warn);border-color:transparent}.b-bad{background:var(--bad-bg);color:var(--bad);border-color:transparent}
.muted{color:var(--muted)}dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{font-weight:600}dd{margin:0}
.days{display:grid;gap:8px;grid-template-columns:repeat(7,minmax(0,1fr))}.day{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px;min-height:6rem}
.day h2,.day h3{font-size:.95rem;margin:0 0 4px}.day.today{background:var(--today);border:2px solid var(--accent)}.day.other{opacity:.8}
.charter{display:block;border-left:4px solid var(--accent);background:var(--bg);border-radius:4px;padding:4px 6px;margin:4px 0;text-decoration:none;color:var(--fg);font-size:.9rem}
.charter.conflict{border-color:var(--bad)}.charter.cancelled{text-decoration:line-through;opacity:.75}.charter ul{margin:2px 0 0;padding-left:1rem}
.month .charter{font-size:.8rem;padding:2px 4px}.weekdays{display:grid;grid-template-columns:repeat(7,1fr);gap:8px;font-weight:600}
@media (max-width:760px){.days{grid-template-columns:1fr}.weekdays{display:none}.day{min-height:0}.month .day.empty{display:none}dl.facts{grid-template-columns:1fr}dt{margin-top:6px}}
ol.timeline{list-style:none;padding:0;margin:0}ol.timeline li{border-left:3px solid var(--line);padding:2px 0 8px 12px}ol.timeline li.error{border-color:var(--bad)}
progress{width:100%;height:1.2rem}pre{white-space:pre-wrap;background:var(--bg);padding:8px;border-radius:6px;font-size:.85rem}details summary{cursor:pointer}
.inline{display:inline}
@media (max-width:760px){table.stack thead{display:none}table.stack tr{display:block;border-bottom:2px solid var(--line);padding:6px 0}
table.stack td{display:flex;gap:8px;border:0;padding:2px 8px}table.stack td::before{content:attr(data-label);font-weight:600;min-width:7.5rem}}`;

const js = `(function(){'use strict';
var csrf=(document.querySelector('meta[name=csrf-token]')||{}).content||'';
function live(){var el=document.getElementById('live');if(!el||!el.hasAttribute('data-live'))return;
setTimeout(function(){fetch(location.href,{credentials:'same-origin'}).then(function(r){return r.ok?r.text():null}).then(function(t){if(!t)return;
var doc=new DOMParser().parseFromString(t,'text/html');var next=doc.getElementById('live');if(!next)return;
el.innerHTML=next.innerHTML;if(!next.hasAttribute('data-live'))el.removeAttribute('data-live');live();}).catch(function(){live()});},1500);}
live();
document.addEventListener('submit',function(e){var f=e.target;var msg=f.getAttribute('data-confirm');if(msg&&!window.confirm(msg))e.preventDefault();},true);
var file=document.getElementById('csv-file');if(file){file.parentElement.hidden=false;file.addEventListener('change',function(){var r=new FileReader();
r.onload=function(){document.getElementById('csv').value=String(r.result)};if(file.files[0])r.readAsText(file.files[0]);});}
var form=document.getElementById('csv-import');if(form){form.addEventListener('submit',function(e){e.preventDefault();run(form);});}
function post(url,body){return fetch(url,{method:'POST',credentials:'same-origin',headers:{'content-type':'application/json','x-csrf-token':csrf},body:JSON.stringify(body)})
.then(function(r){return r.json()});}
function cell(tr,text,href){var td=document.createElement('td');if(href){var a=document.createElement('a');a.href=href;a.textContent=text;td.appendChild(a);}else td.textContent=text;tr.appendChild(td);}
function run(form){var bar=document.getElementById('csv-progress'),status=document.getElementById('csv-status'),body=document.getElementById('csv-results');
var button=form.querySelector('button');button.disabled=true;body.innerHTML='';bar.hidden=false;bar.value=0;status.textContent='Reading the file…';
post(form.getAttribute('data-parse'),{csv:document.getElementById('csv').value}).then(function(parsed){
if(parsed.error){status.textContent=parsed.message;button.disabled=false;return;}
var rows=parsed.rows,done=0,ok=0;bar.max=rows.length||1;
function add(row,outcome,href){var tr=document.createElement('tr');cell(tr,String(row.line));cell(tr,row.label||'');cell(tr,outcome,href);body.appendChild(tr);}
function next(i){if(i>=rows.length){status.textContent='Done: '+ok+' of '+rows.length+' rows accepted.';button.disabled=false;return;}
var row=rows[i];var step=row.error?Promise.resolve({error:row.error}):post(form.getAttribute('data-row'),{booking:row.booking});
step.then(function(res){if(res.error){add(row,res.message||res.error)}else{ok++;add(row,res.outcome,res.href)}}).catch(function(){add(row,'Could not reach the server')})
.then(function(){done++;bar.value=done;status.textContent=done+' of '+rows.length+' rows';next(i+1);});}
next(0);}).catch(function(){status.textContent='Could not reach the server; try again.';button.disabled=false;});}
})();`;

const fingerprint = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Hashed URLs: a new build gets a new URL, so the files can be cached for a year. */
export const assets = {
  css: { path: `/dashboard/assets/app.${fingerprint(css)}.css`, body: css, type: 'text/css; charset=utf-8' },
  js: { path: `/dashboard/assets/app.${fingerprint(js)}.js`, body: js, type: 'text/javascript; charset=utf-8' },
};

export function registerAssets(app: FastifyInstance): void {
  for (const asset of Object.values(assets)) {
    app.get(asset.path, (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body),
    );
  }
}

import { createHash } from 'node:crypto';

/**
 * The guest page's only script, inline and allowed by its hash. Without it the form still posts to
 * Dockhand; with it each photo gets a presigned upload with its own progress bar, and the gallery
 * grows in place. Plain ES2017, no libraries, a few KB.
 */
export const script = `(()=>{
const f=document.getElementById('up');if(!f)return;
const slug=f.dataset.slug,st=document.getElementById('status'),g=document.getElementById('gallery'),dl=document.getElementById('dl'),empty=document.getElementById('empty');
if(Date.now()>Date.parse(f.dataset.closes)){f.hidden=true;document.getElementById('closed').hidden=false;return}
const path=u=>u.replace(/^https?:\\/\\/[^/]+/,'');
function line(name){const li=document.createElement('li'),p=document.createElement('progress'),s=document.createElement('span');p.max=100;p.value=0;li.append(p,s);st.append(li);
const say=(t,bad)=>{s.textContent=name+': '+t;if(bad){li.className='bad';p.remove()}};say('waiting');return{p,say}}
async function post(u,b){const r=await fetch(u,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(b)});let j={};try{j=await r.json()}catch(e){}
if(!r.ok)throw new Error(j.message||'The server refused this photo ('+r.status+').');return j}
function send(t,file,l){return new Promise((ok,no)=>{const d=new FormData();for(const k in t.fields)d.append(k,t.fields[k]);d.append('file',file);const x=new XMLHttpRequest();x.open('POST',t.url);
x.upload.onprogress=e=>{if(e.lengthComputable)l.p.value=Math.round(e.loaded*100/e.total)};
x.onload=()=>{if(x.status<300)return ok();let m='The upload was refused ('+x.status+').';try{m=JSON.parse(x.responseText).message||m}catch(e){}no(new Error(m))};
x.onerror=()=>no(new Error('The connection dropped. Please try again.'));x.send(d)})}
function show(p){if(p.status!=='ready'||document.getElementById('p-'+p.id))return;const li=document.createElement('li'),a=document.createElement('a'),i=document.createElement('img');
li.id='p-'+p.id;a.href=path(p.web_url);i.src=path(p.thumb_url);i.alt='Photo '+(g.children.length+1);i.width=240;i.height=240;i.loading='lazy';a.append(i);li.append(a);g.append(li);dl.hidden=false;empty.hidden=true}
async function one(file){const l=line(file.name);try{
const t=await post('/g/presign',{slug,filename:file.name,content_type:file.type||'application/octet-stream',size:file.size});l.say('uploading');
await send(t,file,l);l.p.value=100;l.say('checking');const r=await post('/g/'+slug+'/photos',{key:t.key});const p=r.photo;
if(p.status==='ready'){show(p);l.say('added')}else if(p.status==='rejected')l.say(p.message,true);else l.say('received; it will appear in a moment')
}catch(e){l.say(e.message,true)}}
f.addEventListener('submit',async e=>{e.preventDefault();const files=[...f.elements.photo.files];if(!files.length)return;f.reset();
const queue=files.slice();await Promise.all([1,2,3].map(async()=>{while(queue.length)await one(queue.shift())}))});
})();`;

export const scriptHash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

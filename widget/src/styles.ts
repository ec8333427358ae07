// Every style the widget uses lives inside its shadow root. The host element is reset with
// `all: initial !important` (important rules of the shadow tree win over the page's), and the
// root sets its own font, size and colors, so nothing the page declares is inherited.

export const CSS = `
:host{all:initial!important;display:block!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{--b:#1f4e89;--bh:#183e6e;--bg:#fff;--fg:#1b1f24;--mu:#5b6470;--ln:#e3e6ea;--ab:#eef1f5;--fc:#1f4e89;--er:#b42318;--eb:#fef3f2;--sh:0 12px 40px rgba(16,24,40,.18),0 2px 8px rgba(16,24,40,.08);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--fg);letter-spacing:normal;text-align:left;text-transform:none;font-weight:400;font-style:normal;-webkit-font-smoothing:antialiased}
@media (prefers-color-scheme:dark){.root{--bg:#1b1e23;--fg:#e8eaed;--mu:#a3abb6;--ln:#30353c;--ab:#272c33;--fc:#8ab4f8;--er:#ffb4ab;--eb:#3b1d1a;--sh:0 12px 40px rgba(0,0,0,.5)}}
button,input,textarea{font:inherit;color:inherit;letter-spacing:inherit;margin:0}
button{cursor:pointer}
:focus{outline:none}
:focus-visible{outline:2px solid var(--fc);outline-offset:2px}
.vh{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0;padding:0;margin:-1px}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;padding:0;background:var(--b);color:#fff;display:flex;align-items:center;justify-content:center;box-shadow:0 6px 20px rgba(16,24,40,.28);transition:transform .15s ease,background .15s}
.launcher:hover{background:var(--bh);transform:scale(1.05)}
.launcher:focus-visible{outline:3px solid var(--fc);outline-offset:3px}
.launcher svg{width:28px;height:28px}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d92d20;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.tip{position:fixed;right:20px;bottom:92px;z-index:2147483000;max-width:300px;background:var(--bg);color:var(--fg);border-radius:14px;box-shadow:var(--sh);padding:12px 36px 12px 14px}
.tip .x{position:absolute;top:6px;right:6px}
.panel{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:376px;height:min(620px,calc(100vh - 112px));display:flex;flex-direction:column;background:var(--bg);border-radius:18px;box-shadow:var(--sh);overflow:hidden;animation:sb-in .18s ease-out}
@keyframes sb-in{from{opacity:0;transform:translateY(12px) scale(.98)}to{opacity:1;transform:none}}
@media (prefers-reduced-motion:reduce){.panel,.dots i{animation:none!important}.launcher{transition:none}}
@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;border-radius:0}.root.open .launcher{display:none}}
.head{display:flex;align-items:center;gap:12px;padding:16px 14px 16px 18px;background:var(--b);color:#fff}
.av{flex:none;width:38px;height:38px;border-radius:50%;background:rgba(255,255,255,.18);display:flex;align-items:center;justify-content:center;font-weight:700}
.av svg{width:22px;height:22px}
.ht{flex:1;min-width:0}
.ht h2{margin:0;font-size:16px;font-weight:650;line-height:1.25;color:#fff}
.ht p{margin:2px 0 0;font-size:12.5px;opacity:.85;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ib{flex:none;width:34px;height:34px;border:0;border-radius:10px;background:transparent;display:flex;align-items:center;justify-content:center;padding:0;color:inherit}
.ib svg{width:20px;height:20px}
.head .ib:hover{background:rgba(255,255,255,.15)}
.head .ib:focus-visible{outline-color:#fff}
.net{padding:6px 14px;font-size:12.5px;background:#fffaeb;color:#7a4d00;text-align:center}
@media (prefers-color-scheme:dark){.net{background:#3a2e12;color:#f5d48a}}
.body{flex:1;min-height:0;display:flex;flex-direction:column;position:relative}
.log{flex:1;overflow-y:auto;padding:16px 14px 8px;display:flex;flex-direction:column;gap:2px;overscroll-behavior:contain}
.welcome{align-self:flex-start;max-width:85%;background:var(--ab);border-radius:4px 16px 16px 16px;padding:10px 13px;margin-bottom:10px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg{display:flex;flex-direction:column;max-width:82%;margin-top:6px}
.msg.g{margin-top:2px}
.msg.visitor{align-self:flex-end;align-items:flex-end}
.msg.agent{align-self:flex-start;align-items:flex-start}
.who{font-size:12px;font-weight:600;color:var(--mu);margin:0 0 3px 4px}
.bub{padding:9px 13px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.visitor .bub{background:var(--b);color:#fff;border-bottom-right-radius:5px}
.agent .bub{background:var(--ab);color:var(--fg);border-bottom-left-radius:5px}
.bub a{color:inherit;text-decoration:underline}
.sending .bub{opacity:.7}
.failed .bub{background:var(--eb);color:var(--er);box-shadow:inset 0 0 0 1px var(--er)}
.meta{font-size:11.5px;color:var(--mu);margin:3px 4px 0}
.meta button{border:0;background:none;padding:0 2px;color:var(--fc);text-decoration:underline;font-size:inherit}
.sys{align-self:center;font-size:12.5px;color:var(--mu);margin:8px 0;text-align:center}
.files{display:flex;flex-direction:column;gap:6px;margin-top:6px}
.bub:empty{display:none}
.img{display:block;border-radius:12px;overflow:hidden;max-width:220px;line-height:0}
.img img{max-width:100%;max-height:200px;display:block}
.file{display:flex;align-items:center;gap:8px;padding:8px 10px;border-radius:12px;background:var(--ab);color:var(--fg)!important;text-decoration:none!important;border:1px solid var(--ln);min-width:0;max-width:260px}
.fi{display:contents}
.file svg{flex:none;width:20px;height:20px;color:var(--b)}
.file span{min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.file small{flex:none;color:var(--mu);font-size:11.5px}
.ended{margin:14px 4px 6px;padding:12px 14px;border-radius:12px;border:1px solid var(--ln);background:var(--ab);text-align:center}
.ended strong{display:block;font-weight:650;margin-bottom:2px}
.ended span{color:var(--mu);font-size:13px}
.typing{display:flex;align-items:center;gap:8px;padding:0 18px 6px;font-size:12.5px;color:var(--mu);min-height:22px}
.dots{display:inline-flex;gap:3px}
.dots i{width:6px;height:6px;border-radius:50%;background:var(--mu);animation:sb-dot 1.2s infinite ease-in-out}
.dots i:nth-child(2){animation-delay:.15s}.dots i:nth-child(3){animation-delay:.3s}
@keyframes sb-dot{0%,60%,100%{opacity:.3;transform:none}30%{opacity:1;transform:translateY(-3px)}}
.start{flex:1;overflow-y:auto;padding:20px 18px;display:flex;flex-direction:column;gap:14px}
.start p{margin:0}
.field{display:flex;flex-direction:column;gap:5px}
.field label{font-size:13px;font-weight:600}
.field input{width:100%;padding:10px 12px;border-radius:10px;border:1px solid var(--ln);background:var(--bg);font-size:14px}
.field input:focus-visible{outline:2px solid var(--fc);outline-offset:0;border-color:transparent}
.field input[aria-invalid=true]{border-color:var(--er)}
.primary{border:0;border-radius:10px;background:var(--b);color:#fff;padding:11px 16px;font-weight:600}
.primary:hover{background:var(--bh)}
.primary:disabled{opacity:.6;cursor:default}
.err{color:var(--er);font-size:12.5px}
.center{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;gap:12px;padding:28px;text-align:center}
.center svg{width:40px;height:40px;color:var(--mu)}
.center strong{font-size:15px}
.blocked svg{color:var(--er)}
.blocked p{margin:0;color:var(--mu)}
.tip .blocked{text-align:left;padding-right:6px}
.tip .blocked>span{display:none}
.tip strong{display:block;margin-bottom:2px}
.spin{width:28px;height:28px;border-radius:50%;border:3px solid var(--ln);border-top-color:var(--b);animation:sb-spin .8s linear infinite}
@keyframes sb-spin{to{transform:rotate(360deg)}}
.comp{border-top:1px solid var(--ln);padding:10px 12px 12px}
.notice{margin:0 4px 8px;padding:8px 10px;border-radius:10px;background:var(--eb);color:var(--er);font-size:12.5px}
.drafts{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px}
.chip{display:inline-flex;align-items:center;gap:6px;max-width:100%;padding:4px 4px 4px 10px;border-radius:999px;background:var(--ab);font-size:12.5px}
.chip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:200px}
.chip .ib{width:24px;height:24px;border-radius:50%}
.chip .ib svg{width:14px;height:14px}
.row{display:flex;align-items:flex-end;gap:6px;background:var(--ab);border-radius:14px;padding:4px}
.row textarea{flex:1;min-width:0;resize:none;border:0;background:transparent;padding:8px 6px;max-height:120px;line-height:1.4;font-size:14px}
.row textarea:focus-visible{outline:none}
.row:focus-within{box-shadow:0 0 0 2px var(--fc)}
.row .ib{color:var(--mu)}
.row .ib:hover{background:var(--ln)}
.send{flex:none;width:36px;height:36px;border:0;border-radius:10px;background:var(--b);color:#fff;display:flex;align-items:center;justify-content:center;padding:0}
.send svg{width:18px;height:18px}
.send:disabled{opacity:.45;cursor:default}
.drop{position:absolute;inset:8px;border:2px dashed var(--b);border-radius:14px;background:color-mix(in srgb,var(--bg) 88%,transparent);display:flex;align-items:center;justify-content:center;font-weight:600;z-index:2}
`;

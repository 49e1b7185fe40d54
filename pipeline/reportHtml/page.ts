/** The report's one stylesheet and one small script, inlined: the page needs no network. */
import { OTHER_COLOUR, PALETTE } from "./format.ts"

const colourRules = [
  ...PALETTE.map((colour, k) => `.k${k}{fill:${colour};background:${colour}}`),
  `.k-{fill:${OTHER_COLOUR};background:${OTHER_COLOUR}}`,
  // Legend highlighting: the chosen topic at full strength, the rest faded.
  ".map.hl .pt{opacity:.08}",
  ...PALETTE.map((_, k) => `.map.hl-k${k} .k${k}`).concat(".map.hl-k- .k-").map((selector) => `${selector}{opacity:1}`)
].join("\n")

export const STYLE = `
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6eb;--accent:#2f5aa8;--panel:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#f4f5f7}
header.top{background:#1f2a44;color:#fff;padding:16px 24px}
header.top h1{margin:0;font-size:21px;font-weight:600}
header.top p{margin:4px 0 0;color:#c9d1e3}
header.top code{color:#fff}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:6px 24px;display:flex;gap:16px;flex-wrap:wrap}
nav a{color:var(--accent);text-decoration:none;font-size:13px}
main{max-width:1240px;margin:0 auto;padding:0 20px 40px}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px 20px;margin:16px 0}
h2{font-size:18px;margin:2px 0 10px}
h3{font-size:15px;margin:16px 0 6px}
.muted{color:var(--muted);font-weight:normal}
.note{color:var(--muted);margin:0 0 8px;font-size:13px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.facts{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px 24px;margin:0}
@media (max-width:700px){.facts{grid-template-columns:repeat(2,minmax(0,1fr))}}
.facts div{min-width:0}
.facts dt{color:var(--muted);font-size:12px}
.facts dd{margin:0;font-size:15px;font-weight:600;overflow-wrap:anywhere}
.facts dd.big{font-size:22px}
.facts dd ul{margin:0;padding-left:16px;font-weight:normal;font-size:13px}
.overview{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px}
@media (max-width:1050px){.overview{grid-template-columns:minmax(0,1fr)}}
svg{max-width:100%;height:auto;display:block}
svg.bars text{font-size:12px}
svg.bars .lbl{text-anchor:end;fill:var(--fg)}
svg.bars .n{fill:var(--muted)}
svg.bars .area{font-size:13px;font-weight:600;fill:var(--fg)}
svg.bars .area .muted{fill:var(--muted)}
svg.bars a:hover .lbl{fill:var(--accent);text-decoration:underline}
${colourRules}
.map .frame{fill:#fbfbfc;stroke:var(--line)}
.map .pt{stroke:#fff;stroke-width:.5}
.map .pt:hover{stroke:#000;stroke-width:1.5}
.map .cc{fill:none;stroke:#222;stroke-width:1.3}
.map .cl{font-size:11.5px;font-weight:600;text-anchor:middle;fill:#111;paint-order:stroke;stroke:#fff;stroke-width:3.5px;stroke-linejoin:round;pointer-events:none}
.mapbox{display:grid;grid-template-columns:minmax(0,1fr) 280px;gap:16px;align-items:start}
@media (max-width:1000px){.mapbox{grid-template-columns:minmax(0,1fr)}}
.mapbox svg.map{width:100%;height:auto}
.legend{display:flex;flex-direction:column;align-items:flex-start;gap:5px}
@media (max-width:1000px){.legend{flex-direction:row;flex-wrap:wrap}}
.lg{border:1px solid var(--line);background:#fff;border-radius:6px;padding:2px 9px;font:inherit;font-size:12px;cursor:pointer;color:var(--fg);text-align:left}
.lg.on{border-color:var(--fg);box-shadow:0 0 0 1px var(--fg)}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.tree{font-size:13px;max-height:900px;overflow:auto}
.tree ul{list-style:none;margin:0;padding-left:16px}
.tree>ul{padding-left:0}
.tree>ul>li{margin-top:6px}
.tree>ul>li>.node{font-weight:600}
.tree li.zero{color:#a0a6b1}
.tree a{color:inherit;text-decoration:none}
.tree a:hover{text-decoration:underline;color:var(--accent)}
.tree .n{font-weight:600;margin-left:4px}
.tree .any{color:var(--muted);font-size:11px;font-weight:normal}
h3 + details.topic{border-top:none}
details.topic{border-top:1px solid var(--line)}
details.topic>summary{cursor:pointer;padding:5px 2px}
details.topic>summary:hover{background:#f6f8fb}
details.topic[open]>summary{font-weight:600}
details.topic .path{color:var(--muted);font-size:11px;font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:normal}
details.topic .count{color:var(--muted);font-weight:normal;margin-left:6px}
:target>summary{background:#eef3fc}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 10px}
th,td{text-align:left;vertical-align:top;padding:4px 6px;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--muted);font-size:12px}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.title{font-weight:500;min-width:16em}
td.kp{font-size:12px;color:#374151}
.ev{display:inline-block;background:#fff1b8;border-radius:3px;padding:0 4px;margin:1px 0;font-size:12px}
.more{color:var(--muted);font-style:italic;margin:0 0 8px}
ul.titles{margin:0;padding-left:16px}
ul.empty{columns:2 320px;padding-left:18px;font-size:13px}
ul.empty .muted{font-size:12px}
table.suggestions td:nth-child(1){width:20%}
table.suggestions td:nth-child(3){width:24%}
table.suggestions td:nth-child(4){width:38%;font-size:12.5px}
table.flows{width:auto;min-width:50%}
table.trend{width:auto;min-width:60%}
td.up{color:#1a7f37}
td.down{color:#b4461b}
td.delta{width:160px}
td.delta span{display:block;height:10px;margin-top:4px;border-radius:2px;min-width:1px}
td.delta span.up{background:#57a773}
td.delta span.down{background:#e0795a}
footer{max-width:1240px;margin:0 auto;padding:0 20px 30px;color:var(--muted);font-size:12px}
@media print{
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  body{background:#fff;font-size:11px}
  .lg.on{box-shadow:none}
  nav{display:none}
  header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 8px}
  header.top p,header.top code{color:#000}
  main{max-width:none;padding:0}
  section{border:none;padding:0;margin:12px 0}
  .overview,.mapbox{grid-template-columns:minmax(0,1fr)}
  .legend{flex-direction:row;flex-wrap:wrap}
  .tree{max-height:none;overflow:visible}
  .tree>ul{columns:2;column-gap:24px}
  .tree>ul>li{break-inside:avoid}
  h2,h3{break-after:avoid}
  tr,.map,svg.bars a{break-inside:avoid}
  details.topic>summary{list-style:none}
}
`

/**
 * Legend buttons highlight one topic on the map; a link to a topic opens its section;
 * printing opens every section (and restores them after).
 */
export const SCRIPT = `
(function () {
  var map = document.getElementById("map");
  var active = null;
  var buttons = document.querySelectorAll(".lg");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var k = button.getAttribute("data-k");
      if (!map) return;
      if (active !== null) map.classList.remove("hl", "hl-k" + active);
      buttons.forEach(function (other) { other.classList.remove("on"); });
      if (active === k) { active = null; return; }
      active = k;
      map.classList.add("hl", "hl-k" + k);
      button.classList.add("on");
    });
  });
  function open(id) {
    var element = id ? document.getElementById(id) : null;
    if (element && element.tagName === "DETAILS") element.open = true;
  }
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (link) open(link.getAttribute("href").slice(1));
  });
  window.addEventListener("hashchange", function () { open(location.hash.slice(1)); });
  open(location.hash.slice(1));
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("data-was", d.open ? "1" : "0"); d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-was]").forEach(function (d) { d.open = d.getAttribute("data-was") === "1"; d.removeAttribute("data-was"); });
  });
})();
`

// The coordinator page: build a group from the form, ask /v1/eligibility, show the answer.
// The form's fields come from the fact vocabulary and every word from the message catalogue,
// both put in the page by the server (#page-data): a fact added to the group document appears
// here with its labels and values, with nothing to change in this file.
// No framework and no external assets; every text from the server is set with textContent.
"use strict";

const DATA = JSON.parse(document.getElementById("page-data").textContent);
const FACTS = DATA.facts;  // {group: [...], member: [...]}: name, type, label, path, choices, ge, le
const STATED = (scope) => FACTS[scope].filter((f) => f.path);  // the facts a group states
const BY_NAME = Object.fromEntries([...FACTS.group, ...FACTS.member].map((f) => [f.name, f]));
const SELECT_LIMIT = 20;  // a choice with more values is typed, with suggestions (a country)

const EXAMPLE = {
  id: "chilpancingo-01", name: "Mujeres productoras de Chilpancingo", country: "MX", territory: "12029",
  territory_label: "Chilpancingo de los Bravo, Guerrero", locality: "rural", organisation: "informal",
  as_of: "2017-06-30",
  members: [
    { age: 34, sex: "F", prospera: true, poverty: true, producer_stratum: "E2" },
    { age: 41, sex: "F", prospera: true, poverty: true, producer_stratum: "E1" },
    { age: 29, sex: "F", prospera: true },
    { age: 52, sex: "M", prospera: false, poverty: true },
    { age: 23, sex: "F", prospera: true, poverty: true },
  ],
};

const $ = (sel) => document.querySelector(sel);
let lang = localStorage.getItem("vincula-lang") === "en" ? "en" : "es";
let lastResult = null;
let lastProblem = null;

// A date as the command line writes it for people: 30/06/2017 in Spanish, 2017-06-30 in English.
function dayText(iso) {
  const [y, m, d] = String(iso).split("-");
  return lang === "es" && d ? `${d}/${m}/${y}` : String(iso);
}

// A text of the catalogue (engine/messages.yaml), placeholders filled from `vars`; a text with
// plural forms ({one, other}) chosen by `vars.count`, as engine/messages.py does.
function t(key, vars) {
  const entry = DATA.messages[key];
  let s = entry ? (entry[lang] || entry.es) : key;
  if (typeof s === "object") s = vars && vars.count === 1 ? s.one : s.other;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
  return s;
}

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const factLabel = (f) => cap(f.label[lang]);
const choiceLabel = (f, value) => {
  const c = (f.choices || []).find((c) => c.value === value);
  return c ? c.label[lang] : value;
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

// ------------------------------------------------------------------ fields from the vocabulary

// The input for one fact: a number box in its range, a yes / no / not known list, a list of its
// values, or (many values) a text box with suggestions. `data-fact` names the fact.
function factInput(f) {
  let input;
  if (f.type === "number") {
    input = el("input", {
      type: "number", min: f.ge ?? null, max: f.le ?? null, step: f.integer ? "1" : "any",
      inputmode: f.integer ? "numeric" : "decimal",
    });
  } else if (f.choices && f.choices.length > SELECT_LIMIT) {
    const list = `values-${f.name.replaceAll(".", "-")}`;
    if (!document.getElementById(list)) {
      document.body.append(el("datalist", { id: list },
        ...f.choices.map((c) => el("option", { value: c.value, "data-choice": c.value, "data-of": f.name }))));
    }
    input = el("input", { list, maxlength: "2", autocapitalize: "characters" });
  } else {
    input = el("select");
    input.append(el("option", { value: "", "data-i18n": "page.unknown" }));
    const values = f.type === "bool" ? ["true", "false"] : f.choices.map((c) => c.value);
    for (const v of values) input.append(el("option", { value: v, "data-choice": v, "data-of": f.name }));
  }
  input.dataset.fact = f.name;
  input.dataset.kind = f.type;
  return input;
}

// Where each fact a group states goes: its choices beside the group's place, the project's
// facts (and its contributions) in the project card, the rest among the other stated facts.
function placeOf(f) {
  const parts = f.path.split(".");
  if (parts[0] === "project") return parts.length > 2 ? "#contribution-facts" : "#project-facts";
  return f.choices ? "#group-facts" : "#other-facts";
}

function buildForm() {
  for (const f of STATED("group")) {
    if (f.name === "country") {
      for (const c of f.choices) $("#country").append(el("option", { value: c.value, "data-choice": c.value, "data-of": f.name }));
      continue;
    }
    if (f.name === "territory") continue;  // the municipality search
    const input = factInput(f);
    input.id = f.name.replaceAll(".", "-");
    input.dataset.path = f.path;
    $(placeOf(f)).append(el("label", {}, el("span", { "data-fact-label": f.name }), input));
  }
  const head = $("#members thead tr");
  for (const f of STATED("member")) head.append(el("th", { "data-fact-label": f.name }));
  head.append(el("th", {}, el("span", { class: "sr-only", "data-i18n": "page.remove" })));
}

// ------------------------------------------------------------------ language

function applyLang() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-fact-label]")) node.textContent = factLabel(BY_NAME[node.dataset.factLabel]);
  for (const node of document.querySelectorAll("[data-choice]")) {
    const f = BY_NAME[node.dataset.of];
    const v = node.dataset.choice;
    node.textContent = f.type === "bool" ? t(v === "true" ? "explain.yes" : "explain.no") : choiceLabel(f, v);
    if (node.parentElement.tagName === "DATALIST") node.label = node.textContent;
  }
  const pa = $("#country").value === "PA";
  $("#territory-search-label").textContent = t(pa ? "page.territory_search_PA" : "page.territory_search");
  $("#territory-search").placeholder = t(pa ? "page.territory_placeholder_PA" : "page.territory_placeholder");
  $("#lang-switch").setAttribute("aria-label", `${t("page.language")} / Language`);
  for (const b of document.querySelectorAll(".lang button")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  document.title = "vincula — " + t("page.tagline");
  $("#report-link").href = `/report?lang=${lang}`;
  renumberMembers();
  $("#rules-span").textContent = rulesSpan ? t("page.rules_span", rulesSpan) : "";
}

async function setLang(next) {
  lang = next;
  localStorage.setItem("vincula-lang", lang);
  applyLang();
  if (lastProblem) showProblem(lastProblem);
  if (lastResult) await check();  // the engine writes explanations in the chosen language
}

// ------------------------------------------------------------------ members table

function memberRow(values) {
  const tr = el("tr");
  tr.append(el("td", { class: "n" }));
  for (const f of STATED("member")) {
    const input = factInput(f);
    const v = values ? values[f.path] : undefined;
    if (v !== undefined && v !== null) input.value = String(v);
    input.dataset.field = f.path;
    tr.append(el("td", {}, input));
  }
  const remove = el("button", { type: "button", class: "remove", text: "×" });
  remove.addEventListener("click", () => { tr.remove(); renumberMembers(); });
  tr.append(el("td", {}, remove));
  return tr;
}

function renumberMembers() {
  [...document.querySelectorAll("#members tbody tr")].forEach((tr, i) => {
    tr.querySelector(".n").textContent = String(i + 1);
    for (const input of tr.querySelectorAll("[data-field]")) {
      input.dataset.path = `members[${i}].${input.dataset.field}`;
      input.setAttribute("aria-label", `${t("page.member_n", { n: i + 1 })}: ${factLabel(BY_NAME[input.dataset.fact])}`);
    }
    const rm = tr.querySelector(".remove");
    rm.setAttribute("aria-label", `${t("page.remove")} ${t("page.member_n", { n: i + 1 })}`);
    rm.title = rm.getAttribute("aria-label");
  });
}

function addMember(values) {
  const row = memberRow(values);
  $("#members tbody").append(row);
  applyLang();
}

// ------------------------------------------------------------------ municipality search

let searchTimer = null;
let searchSeq = 0;

function chooseTerritory(code, label) {
  $("#territory").value = code;
  $("#territory-chosen").textContent = label ? `${code} — ${label}` : "";
  $("#territory-results").hidden = true;
  $("#territory-search").setAttribute("aria-expanded", "false");
}

async function searchTerritories() {
  const q = $("#territory-search").value.trim();
  const list = $("#territory-results");
  if (!q) { list.hidden = true; return; }
  const seq = ++searchSeq;
  const country = $("#country").value;
  let rows = [];
  try {
    const r = await fetch(`/v1/territories/${country}?q=${encodeURIComponent(q)}&limit=12`);
    if (r.ok) rows = await r.json();
  } catch (e) { rows = []; }
  if (seq !== searchSeq) return;  // a newer search has started
  list.replaceChildren();
  if (!rows.length) list.append(el("li", { class: "empty", text: t("page.no_match") }));
  for (const row of rows) {
    const label = [row.name, row.state_name].filter(Boolean).join(", ");
    const li = el("li", { role: "option", tabindex: "-1", "data-code": row.code },
      el("span", { class: "code", text: row.code }), " ", label);
    li.addEventListener("mousedown", (ev) => { ev.preventDefault(); chooseTerritory(row.code, label); });
    li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); chooseTerritory(row.code, label); } });
    list.append(li);
  }
  list.hidden = false;
  $("#territory-search").setAttribute("aria-expanded", "true");
}

// ------------------------------------------------------------------ the request

// A field's value as the group document types it (nothing for an empty field: not known).
function valueOf(input) {
  const v = input.value.trim();
  if (v === "") return undefined;
  if (input.dataset.kind === "number") return Number(v);
  if (input.dataset.kind === "bool") return v === "true";
  return input.list ? v.toUpperCase() : v;
}

function put(doc, path, value) {
  const parts = path.split(".");
  let node = doc;
  for (const p of parts.slice(0, -1)) node = node[p] = node[p] || {};
  node[parts.at(-1)] = value;
}

function readGroup() {
  const g = { id: $("#group-id").value.trim(), country: $("#country").value, territory: $("#territory").value.trim() };
  const opt = (key, value) => { if (value !== "" && value !== null && value !== undefined) g[key] = value; };
  opt("name", $("#group-name").value.trim());
  opt("as_of", $("#as-of").value);
  for (const input of document.querySelectorAll("#group-form [data-fact]:not([data-field])")) {
    if (input.id === "country") continue;
    const v = valueOf(input);
    if (v !== undefined) put(g, input.dataset.path, v);
  }
  g.members = [...document.querySelectorAll("#members tbody tr")].map((tr) => {
    const m = {};
    for (const input of tr.querySelectorAll("[data-field]")) {
      const v = valueOf(input);
      if (v !== undefined) put(m, input.dataset.field, v);
    }
    return m;
  });
  return g;
}

async function check() {
  const group = readGroup();
  $("#busy").hidden = false;
  $("#check").disabled = true;
  clearProblems();
  try {
    const r = await fetch(`/v1/eligibility?lang=${lang}`, {
      method: "POST", headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(group),
    });
    const body = await r.json().catch(() => null);
    if (r.ok) { lastResult = body; renderResult(body); }
    else { lastResult = null; $("#results").replaceChildren(); showProblem(body || { status: r.status, message: r.statusText }); }
  } catch (e) {
    showProblem({ status: 0, message: t("page.network") });
  } finally {
    $("#busy").hidden = true;
    $("#check").disabled = false;
  }
}

// ------------------------------------------------------------------ problems (4xx)

function clearProblems() {
  lastProblem = null;
  $("#problems").hidden = true;
  $("#problems").replaceChildren();
  for (const n of document.querySelectorAll(".invalid")) { n.classList.remove("invalid"); n.removeAttribute("aria-invalid"); }
}

function showProblem(p) {
  clearProblems();
  lastProblem = p;
  const box = $("#problems");
  box.append(el("h2", { text: t("page.error") + (p.status ? ` (${p.status})` : "") }));
  const fields = p.errors || [];
  if (fields.length) {
    const ul = el("ul");
    for (const f of fields) {
      // the place in words ("integrante 1, edad"), its path for those who read the API
      const where = f.label ? el("strong", { text: f.label + ":", title: f.field }) : el("code", { text: f.field });
      ul.append(el("li", {}, where, " ", f.message));
      const input = document.querySelector(`[data-path="${CSS.escape(f.field)}"]`);
      if (input) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); }
    }
    box.append(ul);
  } else {
    box.append(el("p", { text: p.message || "" }));
  }
  if (p.hint && !fields.length) box.append(el("p", { class: "hint", text: p.hint }));
  if (p.suggestions && p.suggestions.length) {
    const line = el("p", {}, t("page.suggestions") + ": ");
    p.suggestions.forEach((code, i) => {
      const b = el("button", { type: "button", class: "link", text: code });
      b.addEventListener("click", () => { chooseTerritory(code, ""); check(); });
      if (i) line.append(", ");
      line.append(b);
    });
    box.append(line);
  }
  box.hidden = false;
}

// ------------------------------------------------------------------ the answer

const MARK = { pass: "✓", fail: "✗", unknown: "?" };
const ORDER = { eligible: 0, cannot_tell: 1, not_eligible: 2, not_applicable: 3, not_in_force: 4 };

// `members[3].poverty` -> "integrante 3: en situación de pobreza"; a fact by its label.
function factText(fact) {
  const m = /^members\[(\d+)\]\.(.+)$/.exec(fact);
  if (m) return `${t("page.member_n", { n: m[1] })}: ${BY_NAME[m[2]] ? BY_NAME[m[2]].label[lang] : m[2]}`;
  return BY_NAME[fact] ? BY_NAME[fact].label[lang] : fact;
}

function missingText(facts) {
  // Group member facts by member so a long list stays readable.
  const byMember = new Map();
  const other = [];
  for (const f of facts) {
    const m = /^members\[(\d+)\]\.(.+)$/.exec(f);
    if (!m) { other.push(factText(f)); continue; }
    if (!byMember.has(m[1])) byMember.set(m[1], []);
    byMember.get(m[1]).push(BY_NAME[m[2]] ? BY_NAME[m[2]].label[lang] : m[2]);
  }
  const parts = [...other];
  for (const [n, fs] of byMember) parts.push(`${t("page.member_n", { n })} (${fs.join(", ")})`);
  return parts.join("; ");
}

function shortWhy(d) {
  if (d.status === "not_applicable" || d.status === "not_in_force") return d.summary;
  if (d.status === "cannot_tell") return `${t("page.missing")}: ${missingText(d.missing_facts || [])}`;
  return d.summary.includes(": ") ? d.summary.slice(d.summary.indexOf(": ") + 2) : "";
}

function renderResult(r) {
  const out = $("#results");
  out.replaceChildren();
  const terr = r.territory || {};
  const place = [terr.name, terr.state_name].filter(Boolean).join(", ");
  const counts = {};
  for (const d of r.determinations) counts[d.status] = (counts[d.status] || 0) + 1;
  const printButton = el("button", { type: "button", id: "print", class: "secondary no-print", text: t("page.print") });
  printButton.addEventListener("click", () => window.print());
  out.append(el("div", { class: "row-head" },
    el("h2", { text: `${t("page.results_for")} ${r.group_id} — ${place} (${terr.code || ""}) — ${t("page.on")} ${dayText(r.as_of)}` }),
    printButton));
  const shown = Object.keys(ORDER).filter((s) => counts[s]).map((s) => t(`page.count.${s}`, { count: counts[s] }));
  out.append(el("p", { class: "counts", text: shown.join(", ") }));
  for (const w of r.warnings || []) out.append(el("p", { class: "warning" }, el("strong", { text: t("page.warnings") + ": " }), w));
  const sorted = [...r.determinations].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const overview = el("ul", { class: "overview" });
  for (const d of sorted) {
    overview.append(el("li", { "data-program": d.program },
      el("span", { class: `badge ${d.status}`, text: t(`status.${d.status}`) }),
      el("a", { href: `#p-${d.program}`, text: d.name }),
      el("span", { class: "why-short", text: shortWhy(d) })));
  }
  out.append(overview);
  if (r.to_collect && r.to_collect.length) {
    const ul = el("ul", { class: "to-collect" });
    for (const f of r.to_collect) {
      const names = f.programs.map((p) => (r.determinations.find((d) => d.program === p) || { name: p }).name);
      ul.append(el("li", {}, el("strong", { text: f.label }), ` — ${t("page.to_collect_programs")}: ${names.join(", ")}`));
    }
    out.append(el("section", { class: "card to-collect" }, el("h3", { text: t("page.to_collect") }), ul));
  }
  for (const d of sorted) out.append(renderDetermination(d));
  out.append(el("p", { class: "printed print-only", text: t("page.printed", { date: new Date().toISOString().slice(0, 10) }) }));
}

// What would make the group eligible: each option's steps, those not in its hands marked.
function renderSuggestions(d) {
  const box = el("section", { class: "suggestions" }, el("h4", { text: t("page.would_take") }));
  d.suggestions.forEach((s, i) => {
    const head = el("p", { class: `option ${s.feasible ? "feasible" : "outside"}` });
    if (d.suggestions.length > 1) head.append(el("strong", { text: t("page.would_take_n", { n: i + 1 }) + " · " }));
    head.append(s.feasible ? t("page.in_hands") : t("page.not_in_hands"));
    const ol = el("ol", { class: "steps" });
    for (const step of s.steps) {
      ol.append(el("li", { class: step.feasible ? "feasible" : "outside", "data-kind": step.kind }, step.text));
    }
    box.append(head, ol);
  });
  return box;
}

function renderDetermination(d) {
  const art = el("article", { id: `p-${d.program}`, class: `programme ${d.status}`, "data-program": d.program, "data-status": d.status });
  const head = el("header", {},
    el("h3", { text: d.name }),
    el("span", { class: `badge ${d.status}`, text: t(`status.${d.status}`) }));
  art.append(head);
  if (d.status !== "eligible" && d.status !== "cannot_tell") art.append(el("p", { class: "why", text: shortWhy(d) }));
  if (d.suggestions && d.suggestions.length) art.append(renderSuggestions(d));

  const table = el("table", { class: "criteria" });
  table.append(el("thead", {}, el("tr", {},
    el("th", { "aria-label": "" }), el("th", { text: t("ui.criterion") }), el("th", { text: t("ui.observed") }),
    el("th", { text: t("ui.rule") }), el("th", { text: t("ui.source") }))));
  const body = el("tbody");
  const notes = [];
  for (const c of d.criteria) {
    const label = el("td", {}, c.label);
    if (!c.required) label.append(el("span", { class: "tag", text: t("ui.priority") }));
    if (c.assumption) {
      notes.push(c.assumption);
      label.append(el("sup", { class: "note-ref", text: `[${notes.length}]` }));
    }
    const source = el("td", { class: "source" });
    const cite = `${c.source.title}, ${c.source.pinpoint}`;
    if (c.source.link) source.append(el("a", { href: c.source.link, target: "_blank", rel: "noopener", text: cite }));
    else source.append(cite);
    if (c.source.quote) source.append(el("q", { text: c.source.quote }));
    const observed = el("td", { text: c.observed });
    if (c.missing_facts && c.missing_facts.length && c.outcome === "unknown") {
      observed.append(el("div", { class: "missing", text: `${t("page.missing")}: ${missingText(c.missing_facts)}` }));
    }
    body.append(el("tr", { class: c.outcome, "data-criterion": c.id },
      el("td", { class: "mark", title: t("outcome." + c.outcome), "aria-label": t("outcome." + c.outcome), text: MARK[c.outcome] }),
      label, observed, el("td", { text: c.threshold }), source));
  }
  table.append(body);
  art.append(el("div", { class: "table-wrap" }, table));
  if (d.missing_facts && d.missing_facts.length) {
    art.append(el("p", { class: "missing" }, el("strong", { text: t("page.missing") + ": " }), missingText(d.missing_facts)));
  }
  if (notes.length) {
    const ol = el("ol", { class: "notes" });
    for (const n of notes) ol.append(el("li", {}, el("strong", { text: t("ui.assumption") + ": " }), n));
    art.append(ol);
  }
  if (d.next_steps) art.append(el("p", { class: "next" }, el("strong", { text: t("ui.next") + ": " }), d.next_steps));
  art.append(el("p", { class: "version", text: `${d.program} · ${d.rules_version}` }));
  return art;
}

// ------------------------------------------------------------------ start

let rulesSpan = null;

function loadExample() {
  $("#group-id").value = EXAMPLE.id;
  $("#group-name").value = EXAMPLE.name;
  $("#country").value = EXAMPLE.country;
  $("#as-of").value = EXAMPLE.as_of;
  $("#locality").value = EXAMPLE.locality;
  $("#organisation").value = EXAMPLE.organisation;
  chooseTerritory(EXAMPLE.territory, EXAMPLE.territory_label);
  $("#territory-search").value = "";
  $("#members tbody").replaceChildren();
  for (const m of EXAMPLE.members) addMember(m);
}

async function start() {
  buildForm();
  for (const b of document.querySelectorAll(".lang button")) b.addEventListener("click", () => setLang(b.dataset.lang));
  $("#add-member").addEventListener("click", () => addMember());
  $("#load-example").addEventListener("click", loadExample);
  $("#group-form").addEventListener("submit", (ev) => { ev.preventDefault(); check(); });
  $("#territory-search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(searchTerritories, 150); });
  $("#territory-search").addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { const first = $("#territory-results li[role=option]"); if (first) { ev.preventDefault(); first.focus(); } }
    if (ev.key === "Escape") $("#territory-results").hidden = true;
  });
  $("#territory-results").addEventListener("keydown", (ev) => {
    const items = [...document.querySelectorAll("#territory-results li[role=option]")];
    const i = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && i < items.length - 1) { ev.preventDefault(); items[i + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? items[i - 1] : $("#territory-search")).focus(); }
  });
  $("#territory-search").addEventListener("blur", () => setTimeout(() => {
    if (!$("#territory-results").contains(document.activeElement)) $("#territory-results").hidden = true;
  }, 100));
  $("#territory").addEventListener("input", () => { $("#territory-chosen").textContent = ""; });
  $("#country").addEventListener("change", () => { chooseTerritory("", ""); $("#territory-search").value = ""; applyLang(); });
  addMember();
  applyLang();
  // Default date: today, as on the command line and the API (engine/eligibility.py judging_day);
  // the hint under the field says which years the loaded rules cover, and an answer on a day
  // none covers carries the warning.
  try {
    const programmes = await (await fetch("/v1/programs")).json();
    const from = programmes.map((p) => p.valid_from).sort()[0];
    const ends = programmes.map((p) => p.valid_to);
    const to = ends.includes(null) ? null : ends.sort().at(-1);
    const today = new Date().toISOString().slice(0, 10);
    rulesSpan = { from, to: to || "…" };
    if (!$("#as-of").value) $("#as-of").value = today;
    applyLang();
  } catch (e) { /* the form still works; the server defaults the date */ }
}

start();

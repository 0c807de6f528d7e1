// The coordinator page: build a group from the form, ask /v1/eligibility, show the answer.
// No framework and no external assets; every text from the server is set with textContent.
"use strict";

const T = {
  es: {
    tagline: "Elegibilidad de grupos a programas, explicada", docs: "Documentación de la API",
    report: "Informe de brechas",
    group: "Grupo", group_id: "Clave del grupo", group_name: "Nombre (opcional)", country: "País",
    mx: "México", pa: "Panamá", as_of: "Fecha de la determinación",
    territory_search: "Municipio (buscar por nombre)", territory_search_PA: "Provincia (buscar por nombre)",
    territory_placeholder: "p. ej. Chilpancingo", territory_placeholder_PA: "p. ej. Coclé",
    territory_code: "Clave (INEGI / provincia)", locality: "Tipo de localidad", unknown: "— no se sabe —",
    rural: "rural", periurban: "periurbana", urban: "urbana", organisation: "Organización",
    osse: "OSSE (organización social del sector)", informal: "grupo informal", org_none: "ninguna", not_producer: "no es productor",
    members: "Integrantes", members_hint: "Deje en blanco lo que no se sabe: el resultado dirá qué falta.",
    age: "Edad", sex: "Sexo", prospera: "PROSPERA", poverty: "En pobreza", stratum: "Estrato productor",
    potential: "Potencial emprendedor", indigenous: "Indígena", remove: "Quitar",
    add_member: "+ Agregar integrante", example: "Cargar ejemplo",
    project: "Proyecto (3x1 para Migrantes y otros)", proposer: "Quién propone",
    migrant_club: "club de migrantes", migrant_federation: "federación de migrantes", p_group: "el grupo",
    p_municipality: "el municipio", other: "otro", proposer_country: "País donde está organizado (2 letras)",
    sector: "Sector", agriculture: "agricultura", livestock: "ganadería", tourism: "turismo",
    crafts: "artesanía", commerce: "comercio", services: "servicios", manufacturing: "manufactura",
    infrastructure: "infraestructura", contributions: "Aportaciones (pesos)", federal: "Federal",
    state: "Estatal", municipal: "Municipal", migrant: "Migrantes", other_facts: "Otros datos declarados",
    urban_zap_pct: "% de la población del municipio en ZAP urbana", social_bank: "Sucursal de banca social",
    yes: "sí", no: "no", check: "Consultar elegibilidad", busy: "Consultando…",
    footer: "Las reglas, parámetros y citas vienen de los archivos de reglas; «no se puede determinar» nombra los datos que faltan.",
    F: "mujer", M: "hombre", very_low: "muy bajo", low: "bajo", medium: "medio", high: "alto", very_high: "muy alto",
    eligible: "Elegible", not_eligible: "No elegible", cannot_tell: "No se puede determinar",
    criterion: "Criterio", observed: "Observado", rule: "Regla", source: "Fuente", priority: "prioridad (no requisito)",
    missing: "Datos que faltan", next: "Después", assumption: "Supuesto", results_for: "Resultado para",
    on: "al", no_results: "Sin resultados.", no_match: "Sin coincidencias", error: "No se pudo consultar",
    suggestions: "Quizá quiso decir", network: "No hay conexión con el servicio.",
    rules_span: "Las reglas cargadas cubren de {from} a {to}.", member_n: "integrante {n}",
    outcome_pass: "cumple", outcome_fail: "no cumple", outcome_unknown: "no se sabe",
    summary_counts: "{e} elegible(s), {n} no elegible(s), {u} sin determinar",
  },
  en: {
    tagline: "Group eligibility for programmes, explained", docs: "API documentation",
    report: "Gap report",
    group: "Group", group_id: "Group id", group_name: "Name (optional)", country: "Country",
    mx: "Mexico", pa: "Panama", as_of: "Date of the determination",
    territory_search: "Municipality (search by name)", territory_search_PA: "Province (search by name)",
    territory_placeholder: "e.g. Chilpancingo", territory_placeholder_PA: "e.g. Coclé",
    territory_code: "Code (INEGI / province)", locality: "Locality type", unknown: "— not known —",
    rural: "rural", periurban: "peri-urban", urban: "urban", organisation: "Organisation",
    osse: "OSSE (social-sector organisation)", informal: "informal group", org_none: "none", not_producer: "not a producer",
    members: "Members", members_hint: "Leave blank what is not known: the answer will say what is missing.",
    age: "Age", sex: "Sex", prospera: "PROSPERA", poverty: "In poverty", stratum: "Producer stratum",
    potential: "Entrepreneurial potential", indigenous: "Indigenous", remove: "Remove",
    add_member: "+ Add member", example: "Load example",
    project: "Project (3x1 for Migrants and others)", proposer: "Proposer",
    migrant_club: "migrant club", migrant_federation: "migrant federation", p_group: "the group",
    p_municipality: "the municipality", other: "other", proposer_country: "Country where organised (2 letters)",
    sector: "Sector", agriculture: "agriculture", livestock: "livestock", tourism: "tourism",
    crafts: "crafts", commerce: "commerce", services: "services", manufacturing: "manufacturing",
    infrastructure: "infrastructure", contributions: "Contributions (pesos)", federal: "Federal",
    state: "State", municipal: "Municipal", migrant: "Migrants", other_facts: "Other stated facts",
    urban_zap_pct: "% of the municipality's people in urban ZAP", social_bank: "Social-banking office",
    yes: "yes", no: "no", check: "Check eligibility", busy: "Checking…",
    footer: "Rules, parameters and citations come from the rule files; “cannot tell” names the missing facts.",
    F: "woman", M: "man", very_low: "very low", low: "low", medium: "medium", high: "high", very_high: "very high",
    eligible: "Eligible", not_eligible: "Not eligible", cannot_tell: "Cannot tell",
    criterion: "Criterion", observed: "Observed", rule: "Rule", source: "Source", priority: "priority (not required)",
    missing: "Missing facts", next: "Next", assumption: "Assumption", results_for: "Result for",
    on: "on", no_results: "No results.", no_match: "No matches", error: "The check could not be made",
    suggestions: "Did you mean", network: "Cannot reach the service.",
    rules_span: "The loaded rules cover {from} to {to}.", member_n: "member {n}",
    outcome_pass: "met", outcome_fail: "not met", outcome_unknown: "not known",
    summary_counts: "{e} eligible, {n} not eligible, {u} cannot tell",
  },
};

const MEMBER_FIELDS = [
  { key: "age", kind: "number" },
  { key: "sex", kind: "select", options: ["F", "M"] },
  { key: "prospera", kind: "bool" },
  { key: "poverty", kind: "bool" },
  { key: "producer_stratum", kind: "select", options: ["E1", "E2", "E3", "E4", "E5", "E6", "none"], raw: true },
  { key: "entrepreneurial_potential", kind: "select", options: ["very_low", "low", "medium", "high", "very_high"] },
  { key: "indigenous", kind: "bool" },
];

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

function t(key, vars) {
  let s = (T[lang] && T[lang][key]) || T.es[key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
  return s;
}

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

// ------------------------------------------------------------------ language

function applyLang() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  const pa = $("#country").value === "PA";
  $("#territory-search-label").textContent = t(pa ? "territory_search_PA" : "territory_search");
  $("#territory-search").placeholder = t(pa ? "territory_placeholder_PA" : "territory_placeholder");
  for (const b of document.querySelectorAll(".lang button")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  document.title = "vincula — " + t("tagline");
  $("#report-link").href = `/report?lang=${lang}`;
  renumberMembers();
  $("#rules-span").textContent = rulesSpan ? t("rules_span", rulesSpan) : "";
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
  for (const f of MEMBER_FIELDS) {
    let input;
    if (f.kind === "number") {
      input = el("input", { type: "number", min: "0", max: "120", step: "1", inputmode: "numeric" });
      if (values && values[f.key] !== undefined) input.value = values[f.key];
    } else {
      input = el("select");
      input.append(el("option", { value: "", "data-i18n": "unknown", text: t("unknown") }));
      const opts = f.kind === "bool" ? ["true", "false"] : f.options;
      for (const o of opts) {
        const key = f.kind === "bool" ? (o === "true" ? "yes" : "no") : o;
        const raw = f.raw && o !== "none";  // "none" (not a producer) is words, not a code
        input.append(el("option", raw ? { value: o, text: o }
          : { value: o, "data-i18n": o === "none" ? "not_producer" : key, text: t(o === "none" ? "not_producer" : key) }));
      }
      if (values && values[f.key] !== undefined && values[f.key] !== null) input.value = String(values[f.key]);
    }
    input.dataset.field = f.key;
    input.dataset.kind = f.kind;
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
      input.setAttribute("aria-label", `${t("member_n", { n: i + 1 })}: ${t(labelKey(input.dataset.field))}`);
    }
    const rm = tr.querySelector(".remove");
    rm.setAttribute("aria-label", `${t("remove")} ${t("member_n", { n: i + 1 })}`);
    rm.title = rm.getAttribute("aria-label");
  });
}

function labelKey(field) {
  return { producer_stratum: "stratum", entrepreneurial_potential: "potential" }[field] || field;
}

function addMember(values) {
  $("#members tbody").append(memberRow(values));
  renumberMembers();
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
  if (!rows.length) list.append(el("li", { class: "empty", text: t("no_match") }));
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

function readGroup() {
  const g = { id: $("#group-id").value.trim(), country: $("#country").value, territory: $("#territory").value.trim() };
  const opt = (key, value) => { if (value !== "" && value !== null && value !== undefined) g[key] = value; };
  opt("name", $("#group-name").value.trim());
  opt("as_of", $("#as-of").value);
  opt("locality", $("#locality").value);
  opt("organisation", $("#organisation").value);
  const zap = $("#urban-zap").value;
  if (zap !== "") g.urban_zap_pct = Number(zap);
  const bank = $("#social-bank").value;
  if (bank !== "") g.social_bank_office = bank === "true";
  g.members = [...document.querySelectorAll("#members tbody tr")].map((tr) => {
    const m = {};
    for (const input of tr.querySelectorAll("[data-field]")) {
      const v = input.value;
      if (v === "") continue;
      m[input.dataset.field] = input.dataset.kind === "number" ? Number(v) : input.dataset.kind === "bool" ? v === "true" : v;
    }
    return m;
  });
  const project = {};
  if ($("#proposer").value) project.proposer = $("#proposer").value;
  if ($("#proposer-country").value.trim()) project.proposer_country = $("#proposer-country").value.trim().toUpperCase();
  if ($("#sector").value) project.sector = $("#sector").value;
  const contributions = {};
  for (const level of ["federal", "state", "municipal", "migrant"]) {
    const v = $("#c-" + level).value;
    if (v !== "") contributions[level] = Number(v);
  }
  if (Object.keys(contributions).length) project.contributions = contributions;
  if (Object.keys(project).length) g.project = project;
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
    showProblem({ status: 0, message: t("network") });
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
  box.append(el("h2", { text: t("error") + (p.status ? ` (${p.status})` : "") }));
  const fields = p.errors || [];
  if (fields.length) {
    const ul = el("ul");
    for (const f of fields) {
      ul.append(el("li", {}, el("code", { text: f.field }), " ", f.message));
      const input = document.querySelector(`[data-path="${CSS.escape(f.field)}"]`);
      if (input) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); }
    }
    box.append(ul);
  } else {
    box.append(el("p", { text: p.message || "" }));
  }
  if (p.hint && !fields.length) box.append(el("p", { class: "hint", text: p.hint }));
  if (p.suggestions && p.suggestions.length) {
    const line = el("p", {}, t("suggestions") + ": ");
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

const ORDER = { eligible: 0, cannot_tell: 1, not_eligible: 2 };
const FACT_KEYS = {
  age: "age", sex: "sex", prospera: "prospera", poverty: "poverty", producer_stratum: "stratum",
  entrepreneurial_potential: "potential", indigenous: "indigenous", locality: "locality",
  organisation: "organisation", urban_zap_pct: "urban_zap_pct", social_bank_office: "social_bank",
  "project.proposer": "proposer", "project.proposer_country": "proposer_country", "project.sector": "sector",
};

// `members[3].poverty` -> "integrante 3: En pobreza"; facts the page knows get their label.
function factText(fact) {
  const m = /^members\[(\d+)\]\.(.+)$/.exec(fact);
  if (m) return `${t("member_n", { n: m[1] })}: ${FACT_KEYS[m[2]] ? t(FACT_KEYS[m[2]]) : m[2]}`;
  const c = /^project\.(federal|state|municipal|migrant)(_pct)?$/.exec(fact);
  if (c) return `${t("contributions")}: ${t(c[1]).toLowerCase()}${c[2] ? " (%)" : ""}`;
  return FACT_KEYS[fact] ? t(FACT_KEYS[fact]) : fact;
}

function missingText(facts) {
  // Group member facts by member so a long list stays readable.
  const byMember = new Map();
  const other = [];
  for (const f of facts) {
    const m = /^members\[(\d+)\]\.(.+)$/.exec(f);
    if (!m) { other.push(factText(f)); continue; }
    if (!byMember.has(m[1])) byMember.set(m[1], []);
    byMember.get(m[1]).push(FACT_KEYS[m[2]] ? t(FACT_KEYS[m[2]]).toLowerCase() : m[2]);
  }
  const parts = [...other];
  for (const [n, fs] of byMember) parts.push(`${t("member_n", { n })} (${fs.join(", ")})`);
  return parts.join("; ");
}

function shortWhy(d) {
  if (d.status === "cannot_tell") return `${t("missing")}: ${missingText(d.missing_facts || [])}`;
  return d.summary.includes(": ") ? d.summary.slice(d.summary.indexOf(": ") + 2) : "";
}

function renderResult(r) {
  const out = $("#results");
  out.replaceChildren();
  const terr = r.territory || {};
  const place = [terr.name, terr.state_name].filter(Boolean).join(", ");
  const counts = { e: 0, n: 0, u: 0 };
  for (const d of r.determinations) counts[{ eligible: "e", not_eligible: "n", cannot_tell: "u" }[d.status]]++;
  out.append(el("h2", { text: `${t("results_for")} ${r.group_id} — ${place} (${terr.code || ""}) — ${t("on")} ${r.as_of}` }));
  out.append(el("p", { class: "counts", text: t("summary_counts", counts) }));
  const sorted = [...r.determinations].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const overview = el("ul", { class: "overview" });
  for (const d of sorted) {
    overview.append(el("li", { "data-program": d.program },
      el("span", { class: `badge ${d.status}`, text: t(d.status) }),
      el("a", { href: `#p-${d.program}`, text: d.name }),
      el("span", { class: "why-short", text: shortWhy(d) })));
  }
  out.append(overview);
  for (const d of sorted) out.append(renderDetermination(d));
}

function renderDetermination(d) {
  const art = el("article", { id: `p-${d.program}`, class: `programme ${d.status}`, "data-program": d.program, "data-status": d.status });
  const head = el("header", {},
    el("h3", { text: d.name }),
    el("span", { class: `badge ${d.status}`, text: t(d.status) }));
  art.append(head);
  if (d.status === "not_eligible") art.append(el("p", { class: "why", text: shortWhy(d) }));

  const table = el("table", { class: "criteria" });
  table.append(el("thead", {}, el("tr", {},
    el("th", { "aria-label": "" }), el("th", { text: t("criterion") }), el("th", { text: t("observed") }),
    el("th", { text: t("rule") }), el("th", { text: t("source") }))));
  const body = el("tbody");
  const notes = [];
  for (const c of d.criteria) {
    const label = el("td", {}, c.label);
    if (!c.required) label.append(el("span", { class: "tag", text: t("priority") }));
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
      observed.append(el("div", { class: "missing", text: `${t("missing")}: ${missingText(c.missing_facts)}` }));
    }
    body.append(el("tr", { class: c.outcome, "data-criterion": c.id },
      el("td", { class: "mark", title: t("outcome_" + c.outcome), "aria-label": t("outcome_" + c.outcome), text: MARK[c.outcome] }),
      label, observed, el("td", { text: c.threshold }), source));
  }
  table.append(body);
  art.append(el("div", { class: "table-wrap" }, table));
  if (d.missing_facts && d.missing_facts.length) {
    art.append(el("p", { class: "missing" }, el("strong", { text: t("missing") + ": " }), missingText(d.missing_facts)));
  }
  if (notes.length) {
    const ol = el("ol", { class: "notes" });
    for (const n of notes) ol.append(el("li", {}, el("strong", { text: t("assumption") + ": " }), n));
    art.append(ol);
  }
  if (d.next_steps) art.append(el("p", { class: "next" }, el("strong", { text: t("next") + ": " }), d.next_steps));
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
  // Default date: today, or the last day any loaded programme was in force if that is earlier.
  try {
    const programmes = await (await fetch("/v1/programs")).json();
    const from = programmes.map((p) => p.valid_from).sort()[0];
    const ends = programmes.map((p) => p.valid_to);
    const to = ends.includes(null) ? null : ends.sort().at(-1);
    const today = new Date().toISOString().slice(0, 10);
    rulesSpan = { from, to: to || "…" };
    if (!$("#as-of").value) $("#as-of").value = to && to < today ? to : today;
    applyLang();
  } catch (e) { /* the form still works; the server defaults the date */ }
}

start();

// The query page: pick a saved question, fill its parameters, run it, see a table.
// The parameters go to the server as param.NAME=VALUE next to the query text; the server binds them
// as RDF terms (never pasted into the text). No framework, no build step, no network but this server.
"use strict";

const data = JSON.parse(document.getElementById("kgb-data").textContent);
const byName = new Map(data.saved.map((q) => [q.name, q]));
const $ = (id) => document.getElementById(id);

function savedText(query) {
  // The header comments stay: they are SPARQL comments, and they tell what the parameters are.
  return query.text;
}

function showSaved() {
  const query = byName.get($("saved").value);
  const fields = $("param-fields");
  fields.replaceChildren();
  $("description").textContent = query ? query.description : "";
  $("params").hidden = !query || query.params.length === 0;
  $("reset").hidden = !query;
  if (!query) return;
  $("sparql").value = savedText(query);
  for (const param of query.params) {
    const row = document.createElement("div");
    row.className = "param";
    const label = document.createElement("label");
    label.htmlFor = "param-" + param.name;
    label.textContent = "?" + param.name + " (" + param.kind + ")";
    const input = document.createElement("input");
    input.id = "param-" + param.name;
    input.name = "param." + param.name;
    input.dir = "auto";  // Arabic names read right to left
    input.value = param.default ?? "";
    input.required = param.default === null;
    input.placeholder = param.default === null ? "required" : "";
    const hint = document.createElement("span");
    hint.className = "hint";
    hint.textContent = param.description;
    row.append(label, input, hint);
    fields.append(row);
  }
}

function compact(iri) {
  let best = null;
  for (const [prefix, namespace] of Object.entries(data.prefixes)) {
    if (iri.startsWith(namespace) && (best === null || namespace.length > data.prefixes[best].length)) best = prefix;
  }
  return best === null ? iri : best + ":" + iri.slice(data.prefixes[best].length);
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  td.dir = "auto";
  if (term.type === "uri") {
    td.className = "iri";
    td.title = term.value;
    td.textContent = compact(term.value);
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else if (term.type === "triple") {
    td.textContent = "<< " + ["subject", "predicate", "object"].map((k) => cell(term.value[k]).textContent).join(" ") + " >>";
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    else if (term.datatype) td.title = compact(term.datatype);
  }
  return td;
}

function showResults(json) {
  const result = $("result");
  if ("boolean" in json) {
    const p = document.createElement("p");
    p.textContent = "Answer: " + (json.boolean ? "yes" : "no");
    result.replaceChildren(p);
    return 1;
  }
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const name of json.head.vars) {
    const th = document.createElement("th");
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  for (const binding of json.results.bindings) {
    const row = body.insertRow();
    for (const name of json.head.vars) row.append(cell(binding[name]));
  }
  result.replaceChildren(table);
  return json.results.bindings.length;
}

async function run(event) {
  event.preventDefault();
  const form = new URLSearchParams();
  form.set("query", $("sparql").value);
  const name = $("saved").value;
  if (name) {
    form.set("saved", name);
    for (const input of $("param-fields").querySelectorAll("input")) form.set(input.name, input.value);
  }
  const status = $("status");
  status.className = "";
  status.textContent = "running…";
  $("run").disabled = true;
  const started = performance.now();
  try {
    const response = await fetch("query", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: form,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      status.className = "error";
      status.textContent = response.status + ": " + (await response.text());
      return;
    }
    if (type.startsWith("application/sparql-results+json")) {
      const rows = showResults(await response.json());
      status.textContent = rows + (rows === 1 ? " row" : " rows") + " in " + seconds + " s";
    } else {
      const pre = document.createElement("pre");
      pre.textContent = await response.text();
      $("result").replaceChildren(pre);
      status.textContent = "graph in " + seconds + " s";
    }
  } catch (error) {
    status.className = "error";
    status.textContent = "the server did not answer: " + error;
  } finally {
    $("run").disabled = false;
  }
}

$("saved").addEventListener("change", showSaved);
$("reset").addEventListener("click", () => {
  const query = byName.get($("saved").value);
  if (query) $("sparql").value = savedText(query);
});
$("ask").addEventListener("submit", run);
showSaved();

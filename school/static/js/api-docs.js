// The API reference page: renders /api/v1/openapi.json with the page's own styles (no
// third-party viewer, no CDN). Text goes in through textContent only.
(function () {
  "use strict";
  const root = document.getElementById("api-docs");
  if (!root) return;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function resolve(spec, schema) {
    if (schema && schema.$ref) {
      const parts = schema.$ref.replace(/^#\//, "").split("/");
      let node = spec;
      for (const p of parts) node = node ? node[p] : undefined;
      return { name: parts[parts.length - 1], schema: node || {} };
    }
    return { name: null, schema: schema || {} };
  }

  function typeOf(spec, schema) {
    const r = resolve(spec, schema);
    const s = r.schema;
    if (r.name) return r.name;
    if (s.type === "array") return typeOf(spec, s.items) + "[]";
    let t = Array.isArray(s.type) ? s.type.join(" | ") : (s.type || "any");
    if (s.format) t += " (" + s.format + ")";
    if (s.enum) t += ": " + s.enum.join(", ");
    return t;
  }

  function schemaTable(spec, schema, seen) {
    const r = resolve(spec, schema);
    const s = r.schema.type === "array" ? resolve(spec, r.schema.items).schema : r.schema;
    const wrap = el("div", "ms-2");
    if (!s.properties) {
      wrap.appendChild(el("code", "small", typeOf(spec, schema)));
      return wrap;
    }
    const table = el("table", "table table-sm small mb-2");
    const body = el("tbody");
    const required = new Set(s.required || []);
    for (const [name, prop] of Object.entries(s.properties)) {
      const tr = el("tr");
      tr.appendChild(el("td", "text-nowrap", name + (required.has(name) ? " *" : "")));
      const td = el("td");
      td.appendChild(el("code", null, typeOf(spec, prop)));
      const inner = resolve(spec, prop.type === "array" ? prop.items : prop);
      if (prop.description || inner.schema.description) {
        td.appendChild(el("div", "text-muted", prop.description || inner.schema.description));
      }
      if (inner.name && !seen.has(inner.name) && inner.schema.properties) {
        const next = new Set(seen);
        next.add(inner.name);
        td.appendChild(schemaTable(spec, prop.type === "array" ? prop.items : prop, next));
      }
      tr.appendChild(td);
      body.appendChild(tr);
    }
    table.appendChild(body);
    wrap.appendChild(table);
    return wrap;
  }

  function operation(spec, path, method, op) {
    const card = el("div", "card mb-3");
    const head = el("div", "card-header d-flex flex-wrap gap-2 align-items-baseline");
    head.appendChild(el("span", "badge text-bg-" + (method === "get" ? "primary" : "warning"),
      method.toUpperCase()));
    head.appendChild(el("code", "fw-bold", path));
    head.appendChild(el("span", "text-muted", op.summary || ""));
    const security = op.security || spec.security || [];
    const open = security.length === 0 || security.some((s) => Object.keys(s).length === 0);
    head.appendChild(el("span", "badge text-bg-light ms-auto", open ? "public" : "token"));
    card.appendChild(head);
    const body = el("div", "card-body");
    if (op.description) body.appendChild(el("p", "small", op.description));
    const params = (spec.paths[path].parameters || []).concat(op.parameters || []);
    if (params.length) {
      body.appendChild(el("div", "fw-semibold small", "Parameters"));
      const ul = el("ul", "small");
      for (const p of params) {
        const li = el("li");
        li.appendChild(el("code", null, p.name));
        li.appendChild(document.createTextNode(" (" + p.in + (p.required ? ", required" : "") +
          ") " + typeOf(spec, p.schema) + (p.description ? " — " + p.description : "")));
        ul.appendChild(li);
      }
      body.appendChild(ul);
    }
    const content = op.requestBody && op.requestBody.content;
    if (content && content["application/json"]) {
      body.appendChild(el("div", "fw-semibold small", "Request body (application/json)"));
      body.appendChild(schemaTable(spec, content["application/json"].schema, new Set()));
    }
    body.appendChild(el("div", "fw-semibold small", "Responses"));
    for (const [code, resp] of Object.entries(op.responses || {})) {
      const r = resolve(spec, resp).schema;
      const line = el("div", "small mb-1");
      line.appendChild(el("code", null, code));
      line.appendChild(document.createTextNode(" " + (r.description || "")));
      body.appendChild(line);
      const json = r.content && (r.content["application/json"] ||
        r.content["application/problem+json"]);
      if (json && json.schema && /^2/.test(code)) {
        body.appendChild(schemaTable(spec, json.schema, new Set()));
      }
    }
    card.appendChild(body);
    return card;
  }

  fetch(root.dataset.spec, { headers: { Accept: "application/json" } })
    .then((r) => r.json())
    .then((spec) => {
      root.textContent = "";
      if (spec.info && spec.info.description) {
        root.appendChild(el("p", null, spec.info.description));
      }
      const byTag = new Map();
      for (const [path, item] of Object.entries(spec.paths || {})) {
        for (const method of ["get", "post", "patch", "put", "delete"]) {
          if (!item[method]) continue;
          const tag = (item[method].tags || ["other"])[0];
          if (!byTag.has(tag)) byTag.set(tag, []);
          byTag.get(tag).push([path, method, item[method]]);
        }
      }
      for (const [tag, ops] of byTag) {
        root.appendChild(el("h2", "h5 mt-4 text-capitalize", tag));
        for (const [path, method, op] of ops) root.appendChild(operation(spec, path, method, op));
      }
    })
    .catch(() => { root.textContent = "The OpenAPI document could not be loaded."; });
})();

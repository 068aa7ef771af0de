// The live form: read every field, validate it as `kpi eval` would, score with the
// generated functions above (the same IR as the Python evaluator), show the points.
function cell(c, name) { return c[name]; }
function fail(message, value) { throw new Error(message + ": " + Dec.str(value)); }

(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("kpi-config").textContent);
  const T = cfg.text;
  const specs = cfg.columns;
  const ZERO = Dec.parse("0");
  const q = (sel) => document.querySelectorAll(sel);
  const attr = (name, value) => "[" + name + '="' + CSS.escape(value) + '"]';

  function rawValue(name, mirrored = true) {
    const checks = q(attr("data-check", name));
    if (checks.length) {  // a checklist: the cell is the number of points not met
      let failed = 0;
      checks.forEach((c) => { if (!c.checked) failed += 1; });
      return String(failed);
    }
    const els = q(attr("data-column", name));
    if (!els.length) return mirrored && cfg.mirror[name] ? rawValue(cfg.mirror[name]) : null;
    if (els[0].type === "radio") {
      const on = Array.from(els).find((e) => e.checked);
      return on ? on.value : "";
    }
    return els[0].value.trim();
  }

  // the reading itself is Cells.read (cells.js), from each column's rules
  function parseCell(spec, text) {
    // an optional input's or a list's blank field is "not given", as a blank cell is to kpi eval
    if (text === "" && spec.cell.blank) return { value: null, given: false };
    if (text === "") return { value: null, error: spec.optional ? null : T.required };
    const r = Cells.read(spec.cell, text);
    return r.error ? { value: null, error: T[r.error] } : { value: r.value };
  }

  function mark(name, error) {
    const field = document.querySelector(attr("data-field", name));
    if (!field) return;
    const msg = field.querySelector(".error");
    if (msg) msg.textContent = error || "";
    field.querySelectorAll("input, select").forEach((el) => {
      if (el.type !== "radio" && el.type !== "checkbox") el.setAttribute("aria-invalid", error ? "true" : "false");
    });
  }

  // One spelling for one value, as kpi eval writes it (kpidsl/numbers/spelling.py): a rounded
  // step at its declared places (85.50), any other value without trailing zeros.
  function spell(name, v) {
    const places = cfg.places[name];
    if (places !== undefined) {
      const s = -places;
      if (v.s <= s) return Dec.str(Dec.make(v.c * (10n ** BigInt(s - v.s)), s));
      const k = 10n ** BigInt(v.s - s);
      if (v.c % k === 0n) return Dec.str(Dec.make(v.c / k, s));
    }
    let c = v.c, s = v.s;
    while (s > 0 && c % 10n === 0n) { c /= 10n; s -= 1; }
    if (c === 0n) s = 0;
    return Dec.str(Dec.make(c, s));
  }

  function show(name, text, pending) {
    q(attr("data-step", name)).forEach((out) => {
      out.textContent = text;
      out.classList.toggle("pending", !!pending);
    });
  }

  function recompute() {
    const cells = {};
    const bad = new Set();
    let missing = 0;
    for (const spec of specs) {
      const onForm = rawValue(spec.name, false) !== null;  // a mirrored column is another rater's
      const text = rawValue(spec.name);
      if (text === null) {  // not on this form: a last-period value, or another rater's column
        if (spec.cell.blank) { cells[spec.name] = null; continue; }
        if (spec.optional) { cells[spec.name] = ZERO; continue; }
        missing += 1; bad.add(spec.name); cells[spec.name] = ZERO; continue;
      }
      const r = parseCell(spec, text);
      if (onForm) mark(spec.name, text === "" ? null : r.error);
      if (r.given === false) { cells[spec.name] = null; continue; }
      if (r.value === null) {
        cells[spec.name] = ZERO;
        bad.add(spec.name);
        if (!spec.optional && onForm) missing += 1;  // counted once, at the field itself
      } else {
        cells[spec.name] = r.value;
      }
    }
    if (!document.getElementById("f-person").value.trim()) missing += 1;
    let steps = null, g = null, res = {}, error = null;
    try {
      steps = score(cells);
      g = grade(cells, steps);
      res = result(cells, Object.assign({}, steps, { grade: Dec.make(BigInt(g === null ? -1 : g), 0) }));
    } catch (e) { error = e.message; }
    const pendingStep = (name) => (cfg.deps[name] || []).some((c) => bad.has(c));
    q("[data-step-error]").forEach((el) => { el.textContent = ""; });
    for (const [name, value] of Object.entries(Object.assign({}, steps || {}, res))) {
      show(name, pendingStep(name) ? "—" : spell(name, value), pendingStep(name));
    }
    if (steps) {
      for (const item of notApplicable(cells)) {
        if (!pendingStep(item)) show(item, T.not_applicable, false);
      }
    }
    if (!steps) q("[data-step]").forEach((o) => { o.textContent = "—"; });
    if (steps) show("total", spell("total", steps.total), missing > 0);
    show("grade", g === null ? "—" : cfg.grades[g], missing > 0);
    const status = document.getElementById("status");
    status.className = "status " + (missing ? "provisional" : "final");
    const why = missing ? null : excluded(cells);
    status.textContent = why !== null ? T.excluded + why
      : (error && !missing ? error : (missing ? T.provisional.replace("{n}", String(missing)) : T.final));
    const vetoes = document.getElementById("vetoes");
    vetoes.textContent = "";
    for (const [column, label, zeroed] of cfg.vetoes) {
      if (cells[column] && !Dec.isZero(cells[column])) {
        const li = document.createElement("li");
        li.textContent = T.vetoed + " " + label + ": " + zeroed + " = 0";
        vetoes.appendChild(li);
      }
    }
    const flags = document.getElementById("flags");
    flags.textContent = "";
    for (const [step, label] of cfg.flags) {
      if (!missing && res[step] && !Dec.isZero(res[step])) {
        const li = document.createElement("li");
        li.textContent = T.flagged + ": " + label;
        flags.appendChild(li);
      }
    }
    document.body.dataset.complete = missing || error ? "no" : "yes";
    document.body.dataset.excluded = why !== null ? "yes" : "no";
  }

  // ---- export: a row `kpi eval` reads back unchanged ----------------------------------
  function record() {
    const rec = {};
    rec[cfg.person] = document.getElementById("f-person").value.trim();
    const period = document.getElementById("f-period").value.trim();
    if (period) rec.period = period;
    q("[data-group]").forEach((el) => { if (el.value.trim()) rec[el.dataset.group] = el.value.trim(); });
    for (const spec of specs) {
      const text = rawValue(spec.name, false);  // only what this form asked for
      if (text === null || text === "") continue;
      // what the form read, spelled so that kpi eval reads the same value back under any
      // --percent-cells; a cell it refused goes as typed, for kpi eval to refuse in words
      const r = Cells.read(spec.cell, text);
      rec[spec.name] = r.error || spec.cell.kind === "yes/no" ? text : Cells.spell(spec.cell, r.value);
    }
    return rec;
  }

  // OWASP's advice against CSV injection: text a spreadsheet would run as a formula
  // gets a leading apostrophe (kpidsl/numbers/spelling.py safe_text does the same for kpi eval)
  // (a number, -3 or +5%, stays a number: kpi eval reads the file back)
  function safeText(v) { return /^[=+\-@\t\r\n]/.test(v) && !/^[+-]?\d+(\.\d+)?%?$/.test(v) ? "'" + v : v; }
  function csvField(v) {
    v = safeText(v);
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }

  function download(name, type, text) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  function fileName(ext) {
    const rec = record();
    return ((rec[cfg.person] || "appraisal") + (rec.period ? "-" + rec.period : "")).replace(/[\\/:*?"<>|]/g, "_") + "." + ext;
  }

  document.getElementById("export-json").addEventListener("click", () => {
    download(fileName("json"), "application/json", JSON.stringify({ rows: [record()] }, null, 2) + "\n");
  });
  document.getElementById("export-csv").addEventListener("click", () => {
    const rec = record();
    const keys = Object.keys(rec);
    download(fileName("csv"), "text/csv", "\ufeff" + keys.map(csvField).join(",") + "\n" + keys.map((k) => csvField(rec[k])).join(",") + "\n");
  });
  document.addEventListener("input", recompute);
  document.addEventListener("change", recompute);
  recompute();
})();

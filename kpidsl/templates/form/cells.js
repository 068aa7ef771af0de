// One data cell read as `kpi eval` reads it (kpidsl/data/cells.py, read): each column's
// rules come from cells.rules(spec) as data (pattern, digit table, marks, percent rule,
// checks, limits), so this file holds the order of the steps and no rule of its own.
// read(rule, text) gives {value} (a Dec) or {error}: a key of the form's texts.
const Cells = (() => {
  const ONE = Dec.make(1n, 0);
  const ZERO = Dec.make(0n, 0);
  const prepared = new WeakMap();

  function prepare(rule) {
    let p = prepared.get(rule);
    if (!p) {
      const from = Array.from(rule.digits_from);
      const to = Array.from(rule.digits_to);
      const table = new Map(from.map((ch, i) => [ch, to[i]]));
      for (const ch of rule.dropped) table.set(ch, "");
      p = { table, pattern: new RegExp(rule.number), marks: Array.from(rule.percent_marks),
            grouped: new RegExp(rule.grouped), separators: Array.from(rule.separators),
            texts: new Map(Object.entries(rule.texts).map(([t, v]) => [t, Dec.parse(v)])),
            checks: rule.checks.map((c) => ({ kind: c.kind, values: c.values.map(Dec.parse),
                                              levels: c.levels.map(([lo, hi]) => [Dec.parse(lo), Dec.parse(hi)]) })) };
      prepared.set(rule, p);
    }
    return p;
  }

  // str.strip(): the rules' white space, which is not quite the set String.trim() takes
  function strip(rule, text) {
    const chars = Array.from(text);
    let i = 0, j = chars.length;
    while (i < j && rule.spaces.includes(chars[i])) i += 1;
    while (j > i && rule.spaces.includes(chars[j - 1])) j -= 1;
    return chars.slice(i, j).join("");
  }

  function translate(p, text) {
    let out = "";
    for (const ch of text) out += p.table.has(ch) ? p.table.get(ch) : ch;
    return out;
  }

  const hundredth = (v) => Dec.make(v.c, v.s + 2);
  const isWhole = (v) => v.s <= 0 || v.c % (10n ** BigInt(v.s)) === 0n;

  function passes(check, v) {
    if (check.kind === "whole") return isWhole(v);
    if (check.kind === "allowed") return check.values.some((a) => Dec.cmp(a, v) === 0);
    if (check.kind === "levels") return check.levels.some(([lo, hi]) => Dec.cmp(lo, v) <= 0 && Dec.cmp(v, hi) <= 0);
    if (check.kind === "low") return Dec.cmp(v, check.values[0]) >= 0;
    return Dec.cmp(v, check.values[0]) <= 0;
  }
  const CHECK_ERRORS = { whole: "whole", allowed: "not_allowed", levels: "not_allowed", low: "out_of_range", high: "out_of_range" };

  // cells._within_limits: digits before the point, and places once trailing zeros are gone
  function limit(rule, v) {
    let c = v.c < 0n ? -v.c : v.c;
    if (c !== 0n && c.toString().length - 1 - v.s >= rule.max_whole_digits) return "out_of_range";
    let places = v.s;
    while (c !== 0n && c % 10n === 0n) { c /= 10n; places -= 1; }
    return places > rule.max_places + 2 ? "bad_number" : null;
  }

  function number(rule, text) {
    const p = prepare(rule);
    let t = strip(rule, translate(p, text));
    if (rule.suffix && t.endsWith(rule.suffix)) t = strip(rule, t.slice(0, -rule.suffix.length));
    const percent = p.marks.some((m) => t.endsWith(m));
    if (percent) t = strip(rule, t.slice(0, -1));
    // thousands separators only in groups of three (1,000); any other comma is refused below
    if (p.grouped.test(t)) t = Array.from(t).filter((ch) => !p.separators.includes(ch)).join("");
    if (!p.pattern.test(t)) return { error: "bad_number" };
    const v = Dec.parse(t);
    if (percent) return rule.percent_sign_allowed ? { value: hundredth(v) } : { error: "no_percent" };
    if (rule.kind !== "percent") return { value: v };
    if (rule.percent_mode === "whole") return { value: hundredth(v) };
    return rule.percent_mode === "fraction" || Dec.isZero(v) ? { value: v } : { error: "percent_sign" };
  }

  // cells.read_date (kpidsl/data/dates.py): a written date or an Excel serial, as days since 1970-01-01
  function date(rule, text) {
    const p = prepare(rule);
    let t = "";
    for (const ch of text) t += p.table.has(ch) && !rule.dropped.includes(ch) ? p.table.get(ch) : ch;
    t = strip(rule, t);
    if (new RegExp(rule.date).test(t)) {
      let d = "";
      for (const ch of t) d += rule.date_separators.includes(ch) ? "-" : ch;
      if (d.endsWith(rule.date_end)) d = d.slice(0, -rule.date_end.length);
      const [y, m, day] = d.split("-").map(Number);
      if (y < rule.years[0] || y > rule.years[1] || m < 1 || m > 12) return { error: "bad_date" };
      const ms = Date.UTC(y, m - 1, day);
      const back = new Date(ms);
      if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) return { error: "bad_date" };
      return { value: Dec.make(BigInt(ms / 86400000), 0) };
    }
    if (new RegExp(rule.serial).test(t)) {
      const [low, high, shift] = rule.serial_range;
      const n = Number(t);
      return n >= low && n <= high ? { value: Dec.make(BigInt(n - shift), 0) } : { error: "bad_date" };
    }
    return { error: "bad_date" };
  }

  function read(rule, raw) {
    const text = strip(rule, String(raw));
    if (text === "") return rule.blank ? { value: null } : { error: "required" };  // blank: not given
    if (rule.kind === "date") return Array.from(text).length > rule.max_text ? { error: "bad_date" } : date(rule, text);
    if (rule.kind === "yes/no") {
      const t = text.toLowerCase();
      if (rule.yes.includes(t)) return { value: ONE };
      if (rule.no.includes(t)) return { value: ZERO };
      return { error: "choose" };
    }
    // a level's text (what a rater picks) reads as its points
    const level = prepare(rule).texts.get(text);
    const r = level !== undefined ? { value: level }
      : Array.from(text).length > rule.max_text ? { error: "bad_number" } : number(rule, text);
    if (r.error) return r;
    for (const check of prepare(rule).checks) {
      if (!passes(check, r.value)) return { error: CHECK_ERRORS[check.kind] };
    }
    const too = limit(rule, r.value);
    return too ? { error: too } : r;
  }

  // The value as `kpi eval` reads it back: a percent with its sign, any other as digits.
  function spell(rule, v) {
    if (rule.kind === "date") return new Date(Number(v.c) * 86400000).toISOString().slice(0, 10);
    return rule.kind === "percent" ? Dec.str(Dec.make(v.c, v.s - 2)) + "%" : Dec.str(v);
  }

  return { read, spell };
})();

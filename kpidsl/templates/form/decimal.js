// Exact decimals for the form, on BigInt: the same arithmetic as kpidsl/numbers/semantics.py.
// A value is {c, s}: the integer c times 10 to the power -s (s may be negative).
// + - * are exact; division gives 20 places, ties to even; rounding follows the
// rubric's mode. No binary floating point touches a score.
const Dec = (() => {
  const TEN = 10n;
  const pow10 = (k) => TEN ** BigInt(k);
  const make = (c, s) => ({ c, s });
  const parse = (text) => {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(String(text).trim());
    if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) return null;
    const frac = m[3] || "";
    let c = BigInt((m[2] || "0") + frac);
    if (m[1] === "-") c = -c;
    return make(c, frac.length - (m[4] ? parseInt(m[4], 10) : 0));
  };
  const align = (a, b) => {
    if (a.s === b.s) return [a.c, b.c, a.s];
    if (a.s > b.s) return [a.c, b.c * pow10(a.s - b.s), a.s];
    return [a.c * pow10(b.s - a.s), b.c, b.s];
  };
  const add = (a, b) => { const [x, y, s] = align(a, b); return make(x + y, s); };
  const sub = (a, b) => { const [x, y, s] = align(a, b); return make(x - y, s); };
  const mul = (a, b) => make(a.c * b.c, a.s + b.s);
  const neg = (a) => make(-a.c, a.s);
  const cmp = (a, b) => { const [x, y] = align(a, b); return x < y ? -1 : x > y ? 1 : 0; };
  const isZero = (a) => a.c === 0n;
  // num / den as a whole number, exactly, in a rounding mode (see semantics._divide)
  const divide = (num, den, mode) => {
    if (den < 0n) { num = -num; den = -den; }
    let q = num / den;
    let r = num % den;
    if (r < 0n) { q -= 1n; r += den; }  // floor division, like Python's divmod
    if (r === 0n || mode === "down") return q;
    if (mode === "up") return q + 1n;
    const twice = 2n * r;
    if (twice > den) return q + 1n;
    if (twice === den) {
      if (mode === "half up") return num > 0n ? q + 1n : q;
      if (mode === "half even") return q % 2n !== 0n ? q + 1n : q;
    }
    return q;
  };
  const ratio = (a, b, shift) => {
    const k = b.s - a.s + shift;  // exponents are -s here
    return k >= 0 ? [a.c * pow10(k), b.c] : [a.c, b.c * pow10(-k)];
  };
  const PLACES = __PLACES__;
  const div = (a, b) => {
    if (b.c === 0n) throw new Error("division by zero");
    const [num, den] = ratio(a, b, PLACES);
    let q = divide(num, den, "half even");
    let places = PLACES;
    while (places > 0 && q % TEN === 0n) { q /= TEN; places -= 1; }  // 2.5, not 2.50000…
    return make(q, places);
  };
  // a square root to PLACES places, ties to even, on whole numbers (numbers/stats.py: sqrt)
  const isqrt = (n) => {
    if (n < 2n) return n;
    let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));  // at least the root
    for (;;) {
      const y = (x + n / x) >> 1n;
      if (y >= x) return x;
      x = y;
    }
  };
  const sqrt = (a) => {
    if (a.c < 0n) {  // the value as Python's message spells it: no trailing zeros
      let c = a.c, s = a.s;
      while (s > 0 && c % TEN === 0n) { c /= TEN; s -= 1; }
      throw new Error("square root of a negative number: " + str(make(c, s)));
    }
    if (a.c === 0n) return make(0n, 0);
    const shift = 2 * (PLACES + 1) - a.s;  // a × 10**42, as a whole number
    let radicand = a.c;
    let exact = true;
    if (shift >= 0) radicand = a.c * pow10(shift);
    else { radicand = a.c / pow10(-shift); exact = radicand * pow10(-shift) === a.c; }
    const root = isqrt(radicand);
    let kept = root / TEN;
    const last = root % TEN;
    const tie = last === 5n && exact && root * root === radicand;
    if (last > 5n || (last === 5n && (!tie || kept % 2n === 1n))) kept += 1n;
    let places = PLACES;
    while (places > 0 && kept % TEN === 0n) { kept /= TEN; places -= 1; }
    return make(kept, places);
  };
  const roundTo = (x, step, mode) => {
    const [num, den] = ratio(x, step, 0);
    return mul(make(divide(num, den, mode), 0), step);  // keeps the step's places
  };
  const min = (...xs) => xs.reduce((m, x) => (cmp(x, m) < 0 ? x : m));
  const max = (...xs) => xs.reduce((m, x) => (cmp(x, m) > 0 ? x : m));
  // Python's format(Decimal, "f"): the digits as stored, no exponent
  const str = (a) => {
    let c = a.c < 0n ? -a.c : a.c;
    let s = a.s;
    if (s < 0) { c *= pow10(-s); s = 0; }
    let digits = c.toString();
    if (s > 0) {
      digits = digits.padStart(s + 1, "0");
      digits = digits.slice(0, digits.length - s) + "." + digits.slice(digits.length - s);
    }
    return (a.c < 0n ? "-" : "") + digits;
  };
  return { parse, add, sub, mul, neg, div, sqrt, cmp, isZero, roundTo, min, max, str, make };
})();

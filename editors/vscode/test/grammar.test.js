// The TextMate grammar on every shipped rubric: comments, strings, numbers, statement
// keywords and defined names get their scopes, and no line falls through untokenized.
"use strict";
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const HERE = __dirname;
const GRAMMAR = path.join(HERE, "..", "syntaxes", "kpi.tmLanguage.json");
const RUBRICS = process.env.KPI_RUBRICS || path.join(HERE, "..", "..", "..", "rubrics");

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === "source.kpi" ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null,
  });
  return registry.loadGrammar("source.kpi");
}

function kpiFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...kpiFiles(p));
    else if (entry.name.endsWith(".kpi")) out.push(p);
  }
  return out.sort();
}

// The scopes of the token covering character `i` of a tokenized line.
function scopesAt(tokens, i) {
  const t = tokens.find((tok) => tok.startIndex <= i && i < tok.endIndex);
  return t ? t.scopes : [];
}

// Strings and comments of one line, found the way the .kpi lexer finds them.
function lexical(line) {
  const found = [];
  const re = /"[^"\n]*"|#.*$/g;
  let m;
  while ((m = re.exec(line))) found.push({ kind: m[0][0] === "#" ? "comment" : "string", start: m.index, end: re.lastIndex });
  return found;
}

const STATEMENT = /^\s*(rubric|input|metric|section|item|grade|award|rater|person|group|use|period|round)(?![\w/])/;
const DEFINES = /^\s*(input|metric|rater|person|group|section|item|grade|award|pool|pay|streak|flag)\s+([^\W\d]\w*)/u;

async function main() {
  const grammar = await loadGrammar();
  const files = kpiFiles(RUBRICS);
  assert.ok(files.length >= 10, `expected the shipped rubrics in ${RUBRICS}, found ${files.length}`);
  let lines = 0, checks = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
    let state = vsctm.INITIAL;
    text.split("\n").forEach((line, n) => {
      const where = `${path.relative(RUBRICS, file)}:${n + 1}`;
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      lines++;
      const covered = r.tokens.length ? r.tokens[r.tokens.length - 1].endIndex : 0;
      assert.ok(covered >= line.length, `${where}: tokens stop at ${covered} of ${line.length}`);
      for (const span of lexical(line)) {
        for (let i = span.start; i < span.end; i++) {
          const scopes = scopesAt(r.tokens, i).join(" ");
          const want = span.kind === "comment" ? "comment.line" : "string.quoted";
          assert.ok(scopes.includes(want), `${where}:${i + 1}: ${JSON.stringify(line[i])} is ${scopes}, not ${want}`);
        }
        checks++;
      }
      const code = line.replace(/"[^"\n]*"|#.*$/g, (s) => " ".repeat(s.length));
      const st = STATEMENT.exec(code);
      if (st) {
        const i = st.index + st[0].length - st[1].length;
        assert.ok(/keyword\./.test(scopesAt(r.tokens, i).join(" ")), `${where}: \`${st[1]}\` is not a keyword`);
        checks++;
      }
      const def = DEFINES.exec(code);
      if (def) {
        const i = def.index + def[0].length - def[2].length;
        assert.ok(scopesAt(r.tokens, i).includes("entity.name.definition.kpi"), `${where}: \`${def[2]}\` is not a defined name`);
        checks++;
      }
      const num = /(?<![\w.])\d+(?:\.\d+)?(?:%|pt|分|元|小时|h|天|d|次)?/gu;
      let m;
      while ((m = num.exec(code))) {
        assert.ok(scopesAt(r.tokens, m.index).includes("constant.numeric.kpi"), `${where}: ${m[0]} is not a number`);
        checks++;
      }
    });
  }
  // Spot checks: a unit after a colon, a function call, an operator.
  const one = (line) => grammar.tokenizeLine(line, vsctm.INITIAL).tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.at(-1)]);
  assert.deepStrictEqual(one('input sales "销售额": percent').filter(([, s]) => s !== "source.kpi"), [
    ["input", "keyword.declaration.kpi"], ["sales", "entity.name.definition.kpi"], ['"销售额"', "string.quoted.double.kpi"],
    [":", "punctuation.separator.colon.kpi"], ["percent", "support.type.unit.kpi"]]);
  assert.ok(one("metric m: number = min(a, b) * 2").some(([t, s]) => t === "min" && s === "support.function.kpi"));
  assert.ok(one("tiers rate { when >= 90%: 5 }").some(([t, s]) => t === ">=" && s === "keyword.operator.kpi"));
  // the words of look-up tables, grades by rank and raters who do not count are keywords too
  for (const [line, word] of [["metric r: percent = table a, b { columns when < 1, else", "columns"],
                              ["distribute grades per team rounded down ties share the better grade", "distribute"],
                              ["grade top \"优秀\" top 20%", "top"], ["rater self not counted", "counted"],
                              ["award best 200元 to best total per team ties pick one by id", "pick"],
                              ["award best 200元 to best total per team ties pick one by id", "one"]]) {
    assert.ok(one(line).some(([t, s]) => t === word && s.startsWith("keyword.")), `${word} in: ${line}`);
  }
  console.log(`grammar ok: ${files.length} rubrics, ${lines} lines, ${checks} scope checks`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

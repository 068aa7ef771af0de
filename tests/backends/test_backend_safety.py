"""Nothing a rubric says becomes code: the generated Python holds rubric text only as
repr() literals, and labels not at all; the generated JavaScript only as escaped JSON."""

from kpidsl.api import load_rubric
from kpidsl.backends.form import javascript
from kpidsl.backends.python import codegen as python

PAYLOAD = "__import__('os').system('echo pwned')"
RUBRIC = (
    'rubric "x\');' + PAYLOAD + '#"\n'
    'input 率 "\'); ' + PAYLOAD + ' #": percent\n'
    'item 项目 "\\"""; ' + PAYLOAD + '" points 100 { tiers 率 { when >= 90%: 100 else: 0 } }\n'
    'exclude when 率 < 1% "</script>\'); ' + PAYLOAD + '"\n'
)


def test_generated_python_holds_no_rubric_text_outside_string_literals(write):
    scorer = load_rubric(write(RUBRIC.replace('\\"""', "")))
    source = python.generate(scorer.plan)
    assert PAYLOAD not in source  # labels and titles never reach the generated code
    assert "c['率']" in source  # a column name, as a repr() literal
    compile(source, "<test>", "exec")
    (r,) = scorer.evaluate([{"id": "a", "率": "95%"}])
    assert r.steps["项目"] == 100


def test_generated_javascript_escapes_every_string(write):
    scorer = load_rubric(write(RUBRIC.replace('\\"""', "")))
    source = javascript.generate(scorer.plan)
    assert "</script>" not in source and "\\u003c/script\\u003e" in source
    assert PAYLOAD.replace("'", "'") in source  # present only inside a JSON string literal
    line = next(s for s in source.splitlines() if "pwned" in s)
    assert line.strip().startswith("if (") and 'return "' in line

"""The form prints every text a rater needs: a ranged level (R2) shows its description
beside its range, not only `5 / 3..4` (issue 12, item 13)."""

from html.parser import HTMLParser

from kpidsl.api import load_rubric
from kpidsl.backends.form.html import render


class _Lists(HTMLParser):
    """The text of each <li> under a `level-texts` list."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.items: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "ul" and "level-texts" in (dict(attrs).get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "li":
            self.items.append("")

    def handle_endtag(self, tag):
        if tag == "ul" and self.depth:
            self.depth = 0

    def handle_data(self, data):
        if self.depth and self.items:
            self.items[-1] += data


def level_texts(text: str) -> list[str]:
    p = _Lists()
    p.feed(text)
    return [" ".join(x.split()) for x in p.items]


def test_ranged_levels_show_their_descriptions(write):
    rubric = write({"r.kpi": '''rubric "r"
item coop "部门协作" points 5 {
  level "十分积极主动": 5
  level "能主动配合": 3..4
  level "不注重团结协作": 0
}
item rest "其余" points 95
'''})
    html = render(load_rubric(rubric).plan)
    assert level_texts(html) == ["十分积极主动 5", "能主动配合 3..4", "不注重团结协作 0"]


def test_a_factor_items_levels_show_their_descriptions():
    from pathlib import Path

    rubric = Path(__file__).resolve().parents[3] / "rubrics" / "logistics_sales_staff.kpi"
    texts = level_texts(render(load_rubric(rubric).plan))
    assert "行为表现良好者为0.8分以上 0.8..1" in texts and "行为表现优秀者为满分1分 1" in texts


def test_levels_picked_from_a_list_are_not_listed_twice(write):
    # plain levels (R1) are radio buttons that already carry their text
    rubric = write({"r.kpi": 'rubric "r"\nitem a "A" points 100 {\n  level "好": 100\n  level "差": 0\n}\n'})
    assert level_texts(render(load_rubric(rubric).plan)) == []

"""The HTML report is one self-contained page that a real browser renders with its chart.

The browser tests run Debian's ``chromium`` headless (``.ci/run`` installs it) and are skipped,
saying why, on a machine without it. Each page is loaded with name resolution switched off, so
a page that needed the network would show it as a console error.
"""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from empathy_score.cli import main
from empathy_score.report import summarize
from empathy_score.verdict import CallVerdict, Evidence

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's chromium (apt-get install chromium) to run it",
)

DISTRESS = "onze hond is aangereden toen de riem brak, ik ben er helemaal kapot van"
PLATE_DISTRESS = "ik heb met de leaseauto GH-412-K een fietser geraakt en ik tril nog helemaal"


def verdict(id: str, kind: str, agent: str, text: str = DISTRESS) -> CallVerdict:
    """straight (no empathy before the policy number) or first (empathy first) for one agent."""
    first = kind == "first"
    marker = "wat naar om te horen"
    request = "mag ik uw polisnummer"
    return CallVerdict(
        id=id,
        source=f"{id}.txt",
        opportunity=True,
        empathy_shown=first,
        empathy_before_data=first,
        straight_to_data=not first,
        first_data_request_turn=1,
        data_fields=("policy_number",),
        markers=(Evidence(1, "acknowledge_feelings", marker, 0, 20, "emp-3"),) if first else (),
        data_requests=(Evidence(1, "policy_number", request, 22 if first else 0, 43, "req-1"),),
        opportunities=(Evidence(0, "accident", text, 0, len(text), "opp-5"),),
        meta={"agent": agent, "team": "Dierenverzekering"},
    )


def grouped_report():
    verdicts = [verdict(f"a-{i}", "straight" if i < 26 else "first", "AG-14") for i in range(34)]
    verdicts += [verdict(f"b-{i}", "straight" if i < 5 else "first", "AG-3") for i in range(40)]
    verdicts += [verdict("c-1", "straight", "<script>alert('AG')</script>", PLATE_DISTRESS)]
    return summarize(verdicts, by="agent", worst=len(verdicts))


def empty_report():
    return summarize([CallVerdict.from_error("kapot.json:1: not JSON", id="kapot")], by="agent")


REPORTS = {"grouped": grouped_report, "no opportunity calls": empty_report}


class _Tree(HTMLParser):
    """The elements of a page with their ancestors, enough to ask what is inside what."""

    VOID = frozenset(
        {"meta", "br", "img", "link", "input", "hr", "col", "area", "base", "source", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        ancestors = tuple(f"{t}.{a.get('class')}" if a.get("class") else t for t, a in self.stack)
        self.elements.append((tag, dict(attrs), ancestors))
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data):
        self.text.append(data)

    def inside(self, tag: str, ancestor: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs, anc in self.elements if t == tag and ancestor in anc]


def parse(page: str) -> _Tree:
    tree = _Tree()
    tree.feed(page)
    return tree


def browse(page: Path, profile: Path, *options: str) -> tuple[str, list[str]]:
    """Load ``page`` in headless chromium; return its DOM after loading and the console lines."""
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: a remote resource would fail
        "--enable-logging=stderr",
        "--v=0",
        *options,
        *(() if any(o.startswith("--screenshot") for o in options) else ("--dump-dom",)),
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


# --- the page itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", REPORTS.values(), ids=REPORTS.keys())
def test_the_page_needs_nothing_from_the_network(make):
    page = make().to_html()
    tree = parse(page)
    assert not [t for t, _, _ in tree.elements if t in ("script", "link", "img", "iframe")]
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)', page)
    assert references, "the chart's clip paths and glyphs refer to ids in the page"
    assert all((a or b).startswith("#") for a, b in references), "only ids in the page itself"
    assert "@import" not in page
    csp = [a for t, a, _ in tree.elements if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_the_page_holds_the_chart_the_tables_and_the_worst_calls():
    tree = parse(grouped_report().to_html())
    assert tree.inside("svg", "figure.chart")
    # header, all calls and the two agents with enough calls, the most empathy missing first
    assert len(tree.inside("tr", "table.groups")) == 1 + 3
    names = [a for a in tree.inside("td", "table.groups") if a.get("class") == "name"]
    assert len(names) == 3
    page = grouped_report().to_html()
    assert page.index(">AG-14<") < page.index(">AG-3<")  # 76.5% missing before 12.5%
    # the agent with one call: in a small table of its own, not judged
    assert len(tree.inside("tr", "table.groups small")) == 1 + 1
    marks = {a["class"] for a in tree.inside("mark", "ol.calls")}
    assert marks == {"opportunity", "request"}


def test_the_page_escapes_what_it_shows_and_masks_personal_data():
    page = grouped_report().to_html()
    text = "".join(parse(page).text)
    assert "<script>alert('AG')</script>" in text  # shown as text, not run
    assert "GH-412-K" not in page and "[PLATE]" in text


def test_report_command_writes_the_html_file(tmp_path, capsys):
    source = tmp_path / "verdicts.jsonl"
    source.write_text(
        "".join(json.dumps(v.to_dict()) + "\n" for v in [verdict("a", "straight", "AG-1")]),
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    code = main(["report", str(source), "--by", "agent", "--format", "html", "--out", str(out)])
    assert code == 0 and capsys.readouterr().out == ""
    assert parse(out.read_text(encoding="utf-8")).inside("svg", "figure.chart")


# --- in a real browser ---------------------------------------------------------------------------


@needs_chromium
def test_the_browser_check_notices_a_broken_page(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head><body>'
        '<img src="https://cdn.example.com/chart.png"><script>drawChart();</script></body></html>',
        encoding="utf-8",
    )
    _, console = browse(broken, tmp_path / "profile")
    assert any("drawChart is not defined" in line for line in console), console


@needs_chromium
@pytest.mark.parametrize("make", REPORTS.values(), ids=REPORTS.keys())
def test_the_page_loads_in_chromium_without_console_errors_and_shows_the_chart(tmp_path, make):
    page = tmp_path / "report.html"
    page.write_text(make().to_html(), encoding="utf-8")
    dom, console = browse(page, tmp_path / "profile")
    assert console == []
    tree = parse(dom)
    assert len(tree.inside("svg", "figure.chart")) == 1
    assert len(tree.inside("path", "figure.chart")) > 20  # axes, ticks, points, text as paths
    assert not [t for t, _, _ in tree.elements if t == "script"]
    assert "Empathy report" in "".join(tree.text)


@needs_chromium
def test_the_chart_is_drawn_on_screen(tmp_path):
    from PIL import Image  # installed with matplotlib

    page = tmp_path / "report.html"
    page.write_text(grouped_report().to_html(), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _, console = browse(
        page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900"
    )
    assert console == []
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 24)

    def count(colour: str, tolerance: int = 40) -> int:
        target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return sum(
            n
            for n, rgb in colours
            if sum(abs(a - b) for a, b in zip(rgb, target, strict=True)) <= tolerance
        )

    assert count("#6c3483") > 100, "the dashed baseline line is not on screen"
    assert count("#1e7b45") > 30, "AG-3's point and interval (better than baseline) are missing"
    assert count("#b03a2e") > 30, "AG-14's point and interval (worse than baseline) are missing"


# --- the layout a person reads: a 1,200 px screen, a phone, many groups -------------------------

ARTEFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Measures, in the browser, what would need a scrollbar; the page itself runs no script (its
#: Content-Security-Policy forbids them), so the probe goes into a copy made for the test.
PROBE = """<script>
var over = [], page = document.documentElement;
if (page.scrollWidth > window.innerWidth + 1) over.push("page " + page.scrollWidth);
document.querySelectorAll("body, main, section, div, table, figure").forEach(function (e) {
  if (e.scrollWidth > e.clientWidth + 1) over.push(e.tagName + "." + e.className);
});
document.title = "LAYOUT " + JSON.stringify(over);
</script></body>"""


def many_groups_report():
    """150 agents: four with enough calls to judge, the rest with three calls each."""
    verdicts = []
    for agent in range(150):
        calls = 40 if agent < 4 else 3
        verdicts += [
            verdict(f"g{agent}-{i}", "straight" if (i + agent) % 3 else "first", f"AG-{agent}")
            for i in range(calls)
        ]
    return summarize(verdicts, by="agent")


def test_many_small_groups_are_folded_out_of_the_chart_and_the_main_table():
    page = many_groups_report().to_html()
    tree = parse(page)
    assert len(tree.inside("tr", "table.groups")) == 1 + 1 + 4  # header, all calls, 4 judged
    assert len(tree.inside("tr", "table.groups small")) == 1 + 146
    assert "146 groups with fewer than 30 calls with an opportunity are left out" in page


@needs_chromium
@pytest.mark.parametrize(("width", "height"), [(1200, 900), (390, 844)], ids=["1200px", "phone"])
@pytest.mark.parametrize(
    "make", [grouped_report, many_groups_report], ids=["grouped", "150 groups"]
)
def test_nothing_needs_a_horizontal_scrollbar(tmp_path, make, width, height):
    page = make().to_html()
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    path = tmp_path / "report.html"
    path.write_text(probed.replace("</body>", PROBE), encoding="utf-8")
    dom, _ = browse(path, tmp_path / "profile", f"--window-size={width},{height}")
    found = re.search(r"<title>LAYOUT (.*?)</title>", dom)
    assert found, dom[:500]
    assert json.loads(found.group(1).replace("&gt;", ">")) == []
    # what a person would see, kept for a look after the run (tests/artifacts is not committed)
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / f"report-{make.__name__.removesuffix('_report')}-{width}px.png"
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    browse(
        tmp_path / "page.html",
        tmp_path / "profile2",
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
    )
    assert shot.stat().st_size > 10_000

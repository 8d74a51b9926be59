"""The empathy report: rates and tests against the baseline, groups, side files, output."""

import csv
import io
import json
import math
from statistics import NormalDist

import pytest

import empathy_score as es
from empathy_score.cli import main
from empathy_score.report import (
    BETTER,
    NO_DIFFERENCE,
    TOO_SMALL,
    UNKNOWN,
    WORSE,
    ReportError,
    binomial_p_value,
    is_verdict_file,
    read_meta,
    read_verdicts,
    summarize,
    wilson_interval,
)
from empathy_score.verdict import CallVerdict, Evidence

Z = NormalDist().inv_cdf(0.975)

DISTRESS = "ik ben net met de auto aangereden en ik ben helemaal in paniek"
REQUEST = "wat is uw kenteken"
MARKER = "wat vervelend voor u"


def call(kind: str, id: str, probability: float | None = None, **meta) -> CallVerdict:
    """One verdict of a kind: straight (no empathy), late (empathy after the data request),
    first (empathy before it), none (no opportunity) or error."""
    if kind == "error":
        return CallVerdict.from_error("kapot.json:3: not JSON", id=id, source="kapot.json")
    opportunity = kind != "none"
    marker_turn = {"late": 3, "first": 1}.get(kind)
    markers = (
        (Evidence(marker_turn, "acknowledge_feelings", MARKER, 0, len(MARKER), "emp-1"),)
        if marker_turn is not None
        else ()
    )
    request_start = len(MARKER) + 2 if kind == "first" else 0
    return CallVerdict(
        id=id,
        source=f"{id}.txt",
        opportunity=opportunity,
        empathy_shown=bool(markers),
        empathy_before_data=kind == "first",
        straight_to_data=kind in ("straight", "late"),
        straight_to_data_probability=probability,
        first_data_request_turn=1,
        data_fields=("license_plate",),
        markers=markers,
        data_requests=(
            Evidence(1, "license_plate", REQUEST, request_start, request_start + 18, "req-7"),
        ),
        opportunities=(
            (Evidence(0, "accident", DISTRESS, 0, len(DISTRESS), "opp-2"),) if opportunity else ()
        ),
        meta=meta,
    )


def calls(counts: dict[str, int], prefix: str = "c", **meta) -> list[CallVerdict]:
    made = []
    for kind, count in counts.items():
        made += [call(kind, f"{prefix}-{kind}-{i}", **meta) for i in range(count)]
    return made


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """The Wilson interval in its other textbook form: (2k + z² ± z√(z² + 4k(n−k)/n)) / 2(n+z²)."""
    root = Z * math.sqrt(Z * Z + 4 * k * (n - k) / n)
    return (2 * k + Z * Z - root) / (2 * (n + Z * Z)), (2 * k + Z * Z + root) / (2 * (n + Z * Z))


def binomial_p_by_hand(k: int, n: int, p: float) -> float:
    """Two-sided exact test: the total probability of every outcome no likelier than k."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))


# --- statistics ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(12, 40), (3, 10), (24, 30), (1, 1), (17, 250)])
def test_wilson_interval_matches_the_textbook_formula(k, n):
    low, high = wilson_interval(k, n)
    expected_low, expected_high = wilson_by_hand(k, n)
    assert low == pytest.approx(expected_low, abs=1e-12)
    assert high == pytest.approx(expected_high, abs=1e-12)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(5, 10, 0.2366, 0.7634), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0)],
)
def test_wilson_interval_matches_published_values(k, n, low, high):
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_agrees_with_scipy_to_the_last_bits():
    from scipy.stats import binomtest

    for n in range(1, 61):
        for k in range(n + 1):
            ci = binomtest(k, n).proportion_ci(method="wilson")
            assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), rel=0, abs=1e-15)


def test_wilson_interval_ends_exactly_at_zero_and_one():
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_interval_needs_calls():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


@pytest.mark.parametrize(("k", "n"), [(12, 40), (3, 10), (24, 30), (0, 5), (51, 100)])
def test_binomial_p_value_matches_the_exact_sum(k, n):
    assert binomial_p_value(k, n, 0.51) == pytest.approx(binomial_p_by_hand(k, n, 0.51), rel=1e-9)


# --- rates against the baseline ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed():
    """47 calls: 40 with an opportunity (12 straight, 8 late, 20 first), 5 without, 2 errors."""
    return calls({"straight": 12, "late": 8, "first": 20, "none": 5, "error": 2})


def test_counts_and_rates_follow_the_annotation_guide(mixed):
    overall = summarize(mixed).overall
    assert (overall.calls, overall.errors, overall.opportunity_calls) == (47, 2, 40)
    assert (overall.empathy_rate.count, overall.empathy_rate.denominator) == (28, 40)
    assert overall.missing_rate.count == 12 and overall.missing_rate.value == pytest.approx(0.3)
    assert overall.empathy_first_rate.count == 20
    assert overall.straight_to_data_rate.count == 20  # 12 straight + 8 with empathy too late


def test_missing_rate_is_set_against_the_baseline(mixed):
    overall = summarize(mixed).overall
    assert overall.difference_pp == pytest.approx(-21.0)
    assert overall.p_value == pytest.approx(binomial_p_by_hand(12, 40, 0.51), rel=1e-9)
    assert (overall.missing_rate.low, overall.missing_rate.high) == pytest.approx(
        wilson_by_hand(12, 40)
    )


def test_a_significantly_lower_missing_rate_is_better_than_baseline(mixed):
    assert binomial_p_by_hand(12, 40, 0.51) < 0.05
    assert summarize(mixed).overall.judgement == BETTER


def test_a_significantly_higher_missing_rate_is_worse_than_baseline():
    overall = summarize(calls({"straight": 24, "first": 6})).overall
    assert binomial_p_by_hand(24, 30, 0.51) < 0.05
    assert overall.judgement == WORSE
    assert overall.difference_pp == pytest.approx(29.0)


def test_a_rate_near_the_baseline_is_no_clear_difference():
    overall = summarize(calls({"straight": 16, "first": 14})).overall
    assert overall.judgement == NO_DIFFERENCE


def test_another_baseline_changes_the_comparison(mixed):
    overall = summarize(mixed, baseline=0.3).overall
    assert overall.difference_pp == pytest.approx(0.0)
    assert overall.p_value == pytest.approx(binomial_p_by_hand(12, 40, 0.3), rel=1e-9)


@pytest.mark.parametrize("baseline", [0, 1, 1.5, -0.2])
def test_the_baseline_must_be_a_share(mixed, baseline):
    with pytest.raises(ValueError, match="baseline"):
        summarize(mixed, baseline=baseline)


# --- edge cases ----------------------------------------------------------------------------------


def test_no_opportunity_calls_give_no_rates_and_no_judgement():
    report = summarize(calls({"none": 4}))
    overall = report.overall
    assert overall.opportunity_calls == 0
    assert overall.missing_rate.value is None and overall.missing_rate.low is None
    assert overall.difference_pp is None and overall.p_value is None
    assert overall.too_small and overall.judgement == TOO_SMALL
    assert report.worst_calls == () and report.first_fields == ()
    for fmt in ("text", "json", "csv"):
        assert es.report.render(report, fmt)


def test_all_errors_are_counted_and_nothing_else():
    report = summarize(calls({"error": 3}), by="agent")
    assert (report.overall.calls, report.overall.errors) == (3, 3)
    assert report.overall.opportunity_calls == 0
    assert [g.key for g in report.groups] == [(UNKNOWN,)]


def test_no_verdicts_at_all_make_an_empty_report():
    report = summarize([])
    assert report.overall.calls == 0 and report.groups == ()


def test_one_group_has_the_overall_numbers(mixed):
    report = summarize(mixed, by="team", meta={v.id: {"team": "Schade Direct"} for v in mixed})
    (group,) = report.groups
    assert group.key == ("Schade Direct",)
    assert group.to_dict(report.by)["group"] == {"team": "Schade Direct"}
    assert {k: v for k, v in group.to_dict(report.by).items() if k != "group"} == (
        report.overall.to_dict()
    )


def test_a_group_of_one_is_too_small_to_judge():
    verdicts = [
        *calls({"first": 30}, team="Klantcontact Lease"),
        call("straight", "x", team="Pech"),
    ]
    report = summarize(verdicts, by="team")
    small = next(g for g in report.groups if g.key == ("Pech",))
    assert (small.opportunity_calls, small.missing_rate.count) == (1, 1)
    assert (small.missing_rate.low, small.missing_rate.high) == pytest.approx(wilson_by_hand(1, 1))
    assert small.too_small and small.judgement == TOO_SMALL
    big = next(g for g in report.groups if g.key == ("Klantcontact Lease",))
    assert not big.too_small


def test_a_group_needs_thirty_calls_with_an_opportunity():
    verdicts = calls({"straight": 29, "none": 10}, agent="AG-14")
    assert summarize(verdicts, by="agent").groups[0].too_small
    assert (
        not summarize([*verdicts, call("first", "één-meer", agent="AG-14")], by="agent")
        .groups[0]
        .too_small
    )


# --- groups and where their values come from -----------------------------------------------------


def test_groups_come_from_the_verdict_meta_in_natural_order():
    verdicts = [
        call("straight", "a", agent="AG-14"),
        call("first", "b", agent="AG-3"),
        call("first", "c"),
        call("first", "d", agent="AG-14"),
    ]
    report = summarize(verdicts, by="agent")
    assert [(g.key, g.calls) for g in report.groups] == [
        (("AG-3",), 1),
        (("AG-14",), 2),
        ((UNKNOWN,), 1),
    ]


def test_groups_can_combine_fields():
    verdicts = [
        call("straight", "a", team="Schade Direct", channel="phone"),
        call("first", "b", team="Schade Direct", channel="chat"),
        call("first", "c", team="Schade Direct", channel="phone"),
    ]
    report = summarize(verdicts, by=["team", "channel"])
    assert [(g.label, g.calls) for g in report.groups] == [
        ("Schade Direct / chat", 1),
        ("Schade Direct / phone", 2),
    ]


def test_an_unknown_group_field_is_an_error_naming_the_fields_there_are():
    with pytest.raises(ReportError, match=r"'agnet'.*agent, team"):
        summarize([call("first", "a", agent="AG-1", team="Pech")], by="agnet")


META_CSV = (
    "id,agent,team,channel,date,shift\n"
    "c-1,AG-14,Schade Direct,phone,2024-03-04,avond\n"
    "c-2,AG-31,Klantcontact Lease,chat,2024-03-04,dag\n"
    "c-3,AG-14,Schade Direct,phone,2024-03-05,\n"
)


def test_a_meta_side_file_overrides_and_extends_the_verdict_meta(tmp_path):
    side = tmp_path / "calls.csv"
    side.write_text(META_CSV, encoding="utf-8")
    verdicts = [
        call("straight", "c-1", agent="AG-99", channel="chat"),
        call("first", "c-2"),
        call("first", "c-3"),
        call("first", "c-4", agent="AG-31"),
    ]
    report = summarize(verdicts, by="agent", meta=side)
    assert [(g.key, g.calls) for g in report.groups] == [(("AG-14",), 2), (("AG-31",), 2)]
    by_shift = summarize(verdicts, by="shift", meta=side)
    assert [(g.key, g.calls) for g in by_shift.groups] == [
        (("avond",), 1),
        (("dag",), 1),
        ((UNKNOWN,), 2),  # an empty cell, and a call missing from the side file
    ]
    assert by_shift.notes == ("the meta side file matched 3 of 4 calls by id",)


def test_a_meta_side_file_from_dutch_excel_with_semicolons_and_a_bom(tmp_path):
    side = tmp_path / "export.csv"
    side.write_text("\ufeffid;agent;team\nc-1;AG-7;Reizen\n", encoding="utf-8")
    assert read_meta(side) == {"c-1": {"agent": "AG-7", "team": "Reizen"}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("agent,team\nAG-1,Pech\n", r"calls\.csv:1: the header has no 'id' column"),
        ("id,agent\nc-1,AG-1\nc-2,AG-2\nc-1,AG-3\n", r"calls\.csv:4: id 'c-1' again \(first on"),
        ("id,agent\n,AG-1\n", r"calls\.csv:2: no id in this row"),
        ("id,agent\nc-1,AG-1,extra\n", r"calls\.csv:2: 3 cells, but the header has 2 columns"),
    ],
)
def test_a_bad_meta_side_file_is_an_error_naming_file_and_line(tmp_path, content, message):
    side = tmp_path / "calls.csv"
    side.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError, match=message):
        read_meta(side)


# --- verdict records -----------------------------------------------------------------------------


def test_records_read_back_from_jsonl_give_the_same_report_as_verdicts(mixed):
    records = [json.loads(json.dumps(v.to_dict())) for v in mixed]
    assert summarize(records).to_dict() == summarize(mixed).to_dict()


def test_verdict_files_are_told_apart_from_transcript_files(tmp_path, mixed):
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.write_text("\n".join(json.dumps(v.to_dict()) for v in mixed[:3]), encoding="utf-8")
    transcripts = tmp_path / "calls.jsonl"
    transcripts.write_text(
        json.dumps({"id": "t1", "turns": [{"speaker": "customer", "text": DISTRESS}]}),
        encoding="utf-8",
    )
    assert is_verdict_file(verdicts) and not is_verdict_file(transcripts)
    assert len(read_verdicts(verdicts)) == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{niet: json", r"verdicts\.jsonl:2: not JSON"),
        ('{"id": "x", "status": "maybe"}', r"verdicts\.jsonl:2: .*status 'maybe'"),
        ('{"id": "x", "status": "ok", "opportunity": "ja"}', r"verdicts\.jsonl:2: .*true or false"),
        ('{"id": "x", "status": "ok", "straight_to_data_probability": 3}', r":2: .*\[0, 1\]"),
    ],
)
def test_a_bad_verdict_line_is_an_error_naming_file_and_line(tmp_path, line, message):
    path = tmp_path / "verdicts.jsonl"
    path.write_text(json.dumps(call("first", "ok-1").to_dict()) + "\n" + line, encoding="utf-8")
    with pytest.raises(ReportError, match=message):
        read_verdicts(path)


def test_a_bad_record_given_to_summarize_is_named_by_position():
    with pytest.raises(ReportError, match="verdict 2 has no id"):
        summarize([call("first", "a").to_dict(), {"status": "ok"}])


# --- markers, fields and the calls to listen to --------------------------------------------------


def test_marker_categories_and_fields_asked_for_first_are_counted(mixed):
    report = summarize(mixed)
    assert report.marker_categories == (("acknowledge_feelings", 28),)
    assert report.first_fields == (("license_plate", 40),)


def test_worst_calls_rank_by_probability_then_by_the_rule_flag():
    verdicts = [
        call("straight", "flagged-no-model"),
        call("straight", "likely", probability=0.97),
        call("first", "model-doubts", probability=0.81),
        call("straight", "less-likely", probability=0.62),
        call("first", "fine", probability=0.04),
        call("none", "no-opportunity", probability=0.99),
    ]
    report = summarize(verdicts)
    assert [w.id for w in report.worst_calls] == [
        "flagged-no-model",  # flagged by the rules, no probability: counts as certain
        "likely",
        "model-doubts",  # not flagged, but the classifier thinks so
        "less-likely",
    ]
    assert [w.id for w in summarize(verdicts, worst=2).worst_calls] == [
        "flagged-no-model",
        "likely",
    ]


def test_a_worst_call_shows_its_opening_up_to_the_first_data_request():
    (worst,) = summarize([call("late", "laat")]).worst_calls
    assert [(s.turn, s.kind, s.speaker) for s in worst.opening] == [
        (0, "opportunity", "customer"),
        (1, "request", "agent"),
    ]  # the marker of turn 3 came after the request
    assert worst.first_field == "license_plate" and worst.first_data_request_turn == 1


# --- personal data -------------------------------------------------------------------------------


def pii_call() -> CallVerdict:
    distress = "mijn auto GH-412-K is total loss en ik woon op 2511 CV, ik ben in shock"
    return CallVerdict(
        id="pii",
        source=None,
        opportunity=True,
        straight_to_data=True,
        first_data_request_turn=1,
        data_requests=(Evidence(1, "iban", "is het nog NL20 INGB 0001 2345 67", 0, 33, "r"),),
        opportunities=(Evidence(0, "accident", distress, 0, len(distress), "o"),),
    )


def test_evidence_in_a_report_is_masked_by_default():
    report = summarize([pii_call()])
    texts = [s.text for s in report.worst_calls[0].opening]
    assert texts == [
        "mijn auto [PLATE] is total loss en ik woon op [POSTCODE], ik ben in shock",
        "is het nog [IBAN]",
    ]
    for fmt in ("json", "text", "csv"):
        rendered = es.report.render(report, fmt)
        assert "GH-412-K" not in rendered and "INGB" not in rendered
    assert report.pii_masked


def test_show_pii_keeps_the_evidence_as_said():
    report = summarize([pii_call().to_dict()], show_pii=True)
    assert "GH-412-K" in report.to_json() and not report.pii_masked


# --- output formats ------------------------------------------------------------------------------


def grouped_report():
    verdicts = [
        *calls({"straight": 20, "first": 12, "none": 3}, prefix="a", agent="AG-14"),
        *calls({"straight": 2, "late": 1, "first": 4}, prefix="b", agent="AG-31"),
        call("error", "kapot"),
    ]
    return summarize(verdicts, by="agent")


def test_the_text_report_is_a_table_with_a_row_per_group():
    text = grouped_report().to_text()
    lines = text.splitlines()
    assert lines[0] == "Empathy report: 43 calls, 1 not scored, 39 with an opportunity for empathy"
    row = next(line for line in lines if line.startswith("AG-14"))
    assert "62.5% [45.3–77.1]" in row and "+11.5 pp" in row and NO_DIFFERENCE in row
    assert TOO_SMALL in next(line for line in lines if line.startswith("AG-31"))
    assert "Listen to these calls first:" in text


def test_the_csv_report_has_a_row_for_all_calls_and_one_per_group():
    rows = list(csv.DictReader(io.StringIO(grouped_report().to_csv())))
    assert [(r["scope"], r["agent"]) for r in rows] == [
        ("overall", ""),
        ("group", "AG-14"),
        ("group", "AG-31"),
        ("group", UNKNOWN),
    ]
    overall = rows[0]
    assert (overall["missing_rate_count"], overall["missing_rate_denominator"]) == ("22", "39")
    assert float(overall["missing_rate"]) == pytest.approx(22 / 39, abs=1e-6)
    assert rows[2]["too_small"] == "true"


def test_the_json_report_holds_every_number():
    data = json.loads(grouped_report().to_json())
    assert data["baseline"] == 0.51 and data["by"] == ["agent"]
    assert data["groups"][0]["group"] == {"agent": "AG-14"}
    assert data["groups"][0]["missing_rate"]["count"] == 20
    assert set(data["overall"]) >= {
        "empathy_rate",
        "missing_rate",
        "empathy_first_rate",
        "straight_to_data_rate",
        "missing_vs_baseline_pp",
        "p_value",
        "too_small",
    }


def test_summarize_and_the_report_are_public():
    assert es.summarize is summarize
    assert isinstance(grouped_report(), es.EmpathyReport)


# --- the command ---------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_verdicts(path, verdicts):
    path.write_text("".join(json.dumps(v.to_dict()) + "\n" for v in verdicts), encoding="utf-8")
    return path


def test_report_command_groups_verdicts_with_a_side_file(tmp_path, capsys):
    verdicts = write_verdicts(
        tmp_path / "verdicts.jsonl",
        [call("straight", "c-1"), call("first", "c-2"), call("first", "c-3")],
    )
    side = tmp_path / "calls.csv"
    side.write_text(META_CSV, encoding="utf-8")
    code, out, _ = run(
        capsys, "report", verdicts, "--by", "team", "--meta", side, "--format", "json"
    )
    assert code == 0
    groups = json.loads(out)["groups"]
    assert [(g["group"]["team"], g["calls"]) for g in groups] == [
        ("Klantcontact Lease", 1),
        ("Schade Direct", 2),
    ]


def test_report_command_takes_comma_separated_fields(tmp_path, capsys):
    verdicts = write_verdicts(
        tmp_path / "v.jsonl", [call("first", "a", team="Pech", channel="chat")]
    )
    _, out, _ = run(capsys, "report", verdicts, "--by", "team,channel", "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["channel"] == ""
    assert "Pech,chat" in out


def test_report_command_scores_transcripts_first(tmp_path, capsys):
    (tmp_path / "inbraak.txt").write_text(
        "Klant: Er is vannacht ingebroken, ik ben er helemaal van slag van.\n"
        "Agent: Wat is uw polisnummer?\n",
        encoding="utf-8",
    )
    out_file = tmp_path / "report.txt"
    code, out, _ = run(capsys, "report", tmp_path / "inbraak.txt", "--out", out_file)
    assert code == 0 and out == ""
    text = out_file.read_text(encoding="utf-8")
    assert "1 calls, 0 not scored, 1 with an opportunity" in text
    assert "inbraak" in text and "asks for policy_number in turn 1" in text


def test_report_command_exits_one_when_calls_could_not_be_scored(tmp_path, capsys):
    verdicts = write_verdicts(tmp_path / "v.jsonl", [call("first", "a"), call("error", "b")])
    code, out, _ = run(capsys, "report", verdicts)
    assert code == 1 and "2 calls, 1 not scored" in out


def test_report_command_masks_unless_asked(tmp_path, capsys):
    verdicts = write_verdicts(tmp_path / "v.jsonl", [pii_call()])
    _, masked, _ = run(capsys, "report", verdicts, "--format", "json")
    _, shown, _ = run(capsys, "report", verdicts, "--format", "json", "--show-pii")
    assert "GH-412-K" not in masked and "[PLATE]" in masked
    assert "GH-412-K" in shown


def test_report_command_names_a_bad_verdict_line(tmp_path, capsys):
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps(call("first", "a").to_dict()) + "\n{kapot\n", encoding="utf-8")
    code, _, err = run(capsys, "report", path)
    assert code == 2 and "v.jsonl:2: not JSON" in err


@pytest.mark.parametrize("baseline", ["1.2", "nul", "nan"])
def test_report_command_rejects_a_baseline_that_is_not_a_share(tmp_path, capsys, baseline):
    verdicts = write_verdicts(tmp_path / "v.jsonl", [call("first", "a")])
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(verdicts), "--baseline", baseline])
    assert exit_info.value.code == 2
    assert "a share between 0 and 1" in capsys.readouterr().err

"""Similarity detection: the algorithm on the test set, the command, and the dashboard pages.

The test set (tests/similarity/<item>/, made by tests/make_similarity_set.py) holds the
independent correct solutions of every code item and disguised copies of three of them.
"""

from __future__ import annotations

import json
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from integrity.similarity import CODE, THEORY, Detector, code_tokens, rank_texts, segments
from tests.similarity_data import (
    generated_class,
    is_copy_pair,
    item_files,
    measure,
    sample_items,
    sample_texts,
    theory_items,
    theory_sample,
)

ITEMS = sample_items()


def code_detector(item: str) -> Detector:
    return Detector(kind=CODE, boilerplate=item_files(item))


# --- The algorithm --------------------------------------------------------------------------


def test_the_test_set_covers_every_code_item_with_copies_of_each_kind():
    assert len(ITEMS) >= 10
    for item in ITEMS:
        names = sample_texts(item)
        kinds = {n.split("--")[1] for n in names if "--" in n}
        assert kinds == {"renamed", "commented", "reordered", "reformatted", "disguised"}, item
        assert sum("--" not in n for n in names) >= 10, item


@pytest.mark.parametrize("item", ITEMS)
def test_every_copy_pair_ranks_above_every_pair_of_independent_solutions(item):
    pairs = rank_texts(code_detector(item), sample_texts(item), minimum=-1)
    figures = measure(item, pairs)
    copies = [p for p in pairs if is_copy_pair(p.a, p.b)]
    independent = [p for p in pairs if not is_copy_pair(p.a, p.b) and "--" not in p.a + p.b]
    assert len(copies) == 7 and len(independent) >= 45
    worst_copy = min(copies, key=lambda p: p.score)
    best_independent = max(independent, key=lambda p: p.score)
    assert worst_copy.score > best_independent.score, (worst_copy, best_independent)
    assert figures.precision_at_k == 1.0
    print(
        f"\n{item}: precision@{figures.copy_pairs} = {figures.precision_at_k:.2f}, lowest copy "
        f"{figures.lowest_copy:.2f} > highest independent {figures.highest_independent:.2f}"
    )


def test_renaming_commenting_and_reformatting_leave_the_tokens_as_they_were():
    original = (
        "import keras\n\n\ndef build_model(n_cols):\n    model = keras.Sequential()\n"
        '    model.add(keras.layers.Dense(10, activation="relu"))\n    return model\n'
    )
    disguised = (
        '"""My solution."""\nimport keras\n\ndef build_model(  # the entry point\n  width,\n):\n'
        "  # make the net\n  net = keras.Sequential()\n  net.add(\n    keras.layers.Dense(\n"
        "      10, activation='relu',\n    )\n  )\n\n  return net  # done\n"
    )
    assert [t.text for t in code_tokens(original)] == [t.text for t in code_tokens(disguised)]
    # What the code uses (the API, keyword arguments, values) is not abstracted away.
    texts = [t.text for t in code_tokens(original)]
    assert "Dense" in texts and "activation" in texts and "S:'relu'" in texts and "10" in texts


def test_starter_and_reference_are_subtracted():
    """Two students who hand in the reference solution share nothing that counts; the same
    students sharing an unusual addition score above zero."""
    starter, reference = item_files("build-network")
    detector = code_detector("build-network")
    assert rank_texts(detector, {"a": reference, "b": reference, "c": starter}, minimum=-1)[0].score == 0.0
    extra = (
        "\n\ndef summary_table(m):\n    rows = []\n    for layer in m.layers:\n"
        "        rows.append((layer.name, layer.count_params()))\n    return sorted(rows, key=lambda r: -r[1])\n"
    )
    pairs = rank_texts(detector, {"a": reference + extra, "b": reference + extra, "c": reference}, minimum=-1)
    assert (pairs[0].a, pairs[0].b, pairs[0].score) == ("a", "b", 1.0)
    assert all(p.score == 0.0 for p in pairs[1:])
    # Without the subtraction, the reference alone would make every pair look alike.
    plain = Detector(kind=CODE)
    assert rank_texts(plain, {"a": reference, "b": reference}, minimum=-1)[0].score == 1.0


def test_code_that_does_not_parse_is_still_compared():
    broken = "def build_model(n_cols):\n    model = keras.Sequential(\n    model.add(layers.Dense(100)\n"
    detector = Detector(kind=CODE)
    pairs = rank_texts(detector, {"a": broken, "b": broken.replace("model", "m"), "c": "x = 1\n"}, minimum=-1)
    assert pairs[0].a == "a" and pairs[0].b == "b" and pairs[0].score > 0.9


def test_marked_regions_are_the_shared_code_and_not_the_boilerplate():
    starter, reference = item_files("build-network")
    detector = code_detector("build-network")
    shared = (
        "\n\ndef extra(values):\n    total = 0\n    for v in values:\n        total = total + v * v\n    return total\n"
    )
    a, b = reference + shared, reference + shared.replace("values", "vals")
    docs = detector.documents({"a": a, "b": b})
    spans_a, _spans_b = detector.regions(docs[0], docs[1])
    marked = "".join(a[s:e] for s, e in spans_a)
    assert "total = total + v * v" in marked
    assert "model.compile" not in marked  # the reference's own line is not marked
    pieces = segments(a, spans_a)
    assert "".join(text for text, _ in pieces) == a


SWEDISH_ANSWER = (
    "En parameter är ett värde som modellen lär sig själv under träningen, i ett neuralt nätverk "
    "vikterna och bias. En hyperparameter väljer man själv innan träningen, till exempel "
    "inlärningshastighet, batchstorlek och antal epoker. Man provar olika värden och jämför på valideringsdatan."
)


def test_theory_answers_compare_by_stemmed_word_shingles():
    copied = SWEDISH_ANSWER.replace("vikterna", "Vikterna").replace("Man provar", "Sedan provar man")
    copied = copied.replace("epoker", "epokerna")  # a different inflection: the same stem
    other = (
        "Parametrar = vikter och bias i nätverket, de justeras automatiskt av optimeraren under träningen. "
        "Hyperparametrar = inställningar som utvecklaren bestämmer före träningen och som inte lärs in."
    )
    detector = Detector(kind=THEORY, boilerplate=["Vad är en parameter? Vad är en Hyperparameter?"])
    pairs = rank_texts(detector, {"orig": SWEDISH_ANSWER, "copy": copied, "other": other}, minimum=-1)
    assert {pairs[0].a, pairs[0].b} == {"orig", "copy"} and pairs[0].score > 0.7
    assert pairs[1].score < 0.2


def test_theory_subtracts_the_question_and_the_rubric_phrases():
    question = "Förklara skillnaden mellan träningsdata, valideringsdata och testdata."
    echo = "Skillnaden mellan träningsdata, valideringsdata och testdata är viktig."
    echo2 = "Jag ska förklara skillnaden mellan träningsdata, valideringsdata och testdata nu."
    detector = Detector(kind=THEORY, boilerplate=[question])
    assert rank_texts(detector, {"a": echo, "b": echo2}, minimum=-1)[0].score == 0.0
    phrase_answer = "modellen lär sig under träningen"
    with_phrases = Detector(kind=THEORY, phrases=["modellen lär sig", "lär sig under träningen"])
    without = Detector(kind=THEORY)
    texts = {"a": phrase_answer, "b": phrase_answer + " helt"}
    assert rank_texts(with_phrases, texts, minimum=-1)[0].score == 0.0
    docs = with_phrases.documents(texts)
    assert with_phrases.regions(docs[0], docs[1]) == ([], [])  # and nothing of it is marked
    assert rank_texts(without, texts, minimum=-1)[0].score > 0.5


def test_300_students_on_one_item_rank_in_seconds():
    texts = generated_class("build-network", 300)
    started = time.perf_counter()
    pairs = rank_texts(code_detector("build-network"), texts)
    elapsed = time.perf_counter() - started
    print(f"\n300 students x build-network: {len(pairs)} pairs with a score above 0 ranked in {elapsed:.2f} s")
    assert pairs and pairs[0].score >= pairs[-1].score
    assert elapsed < 15, elapsed  # about 1.5 s alone on this machine; the bound leaves room for load


def test_theory_copies_rank_above_independent_answers_of_every_question(course):
    """On the labelled answers of every theory question (written independently), reordered or
    edited copies rank above every pair of independent answers, with the item's own detector
    (question, model answer and rubric subtracted)."""
    from exercises.models import Item
    from integrity.selectors import item_detector

    report = []
    for slug in theory_items():
        item = Item.objects.select_related("current_version").get(slug=slug)
        detector = item_detector(version=item.current_version, kind=item.kind)
        pairs = rank_texts(detector, theory_sample(slug), minimum=-1)
        copies = [p for p in pairs if is_copy_pair(p.a, p.b)]
        independent = [p for p in pairs if "--" not in p.a + p.b]
        assert len(copies) == 3, slug
        assert min(p.score for p in copies) > max(p.score for p in independent), slug
        report.append(f"{slug} {min(p.score for p in copies):.2f}>{max(p.score for p in independent):.2f}")
    print("\ntheory, lowest copy > highest independent:", ", ".join(report))


# --- The command ----------------------------------------------------------------------------


def test_the_command_ranks_a_directory_as_json(course):
    out = StringIO()
    call_command("similarity", "build-network", str(Path("tests/similarity/build-network")), "--json", stdout=out)
    pairs = json.loads(out.getvalue())
    names = set(sample_texts("build-network"))
    assert len(pairs) == len(names) * (len(names) - 1) // 2
    assert all(set(p) == {"a", "b", "score"} and 0 <= p["score"] <= 1 for p in pairs)
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    assert {p["a"] for p in pairs} | {p["b"] for p in pairs} == names
    assert all(is_copy_pair(p["a"], p["b"]) for p in pairs[:7])
    table = StringIO()
    call_command("similarity", "build-network", "tests/similarity/build-network", "--top", "3", stdout=table)
    assert "score" in table.getvalue() and "--renamed" in table.getvalue()


def test_the_command_says_what_is_wrong(course, tmp_path):
    with pytest.raises(CommandError, match="no item 'nope'"):
        call_command("similarity", "nope", str(tmp_path))
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("similarity", "build-network", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="at least two files"):
        call_command("similarity", "build-network", str(tmp_path))
    with pytest.raises(CommandError, match="only code and theory items"):
        call_command("similarity", "dense-params-numeric", str(tmp_path))
    (tmp_path / "anna.py").write_bytes(b"\xff\xfe")
    (tmp_path / "bo.py").write_text("x = 1\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("similarity", "build-network", str(tmp_path))


def test_the_command_compares_theory_answers(course, tmp_path):
    (tmp_path / "anna.txt").write_text(SWEDISH_ANSWER)
    (tmp_path / "bo.txt").write_text(SWEDISH_ANSWER.replace("Man provar", "Sedan provar man"))
    (tmp_path / "cecilia.txt").write_text("Parametrar lärs in, hyperparametrar väljer man själv före träningen.")
    out = StringIO()
    call_command("similarity", "q03", str(tmp_path), "--json", stdout=out)
    pairs = json.loads(out.getvalue())
    assert (pairs[0]["a"], pairs[0]["b"]) == ("anna", "bo") and pairs[0]["score"] > 0.7


# --- The dashboard --------------------------------------------------------------------------

COPIED = (
    "def dense_params(n_in, n_out):\n    weights = n_in * n_out\n    biases = n_out\n    total = weights + biases\n"
    "    print('<script>alert(1)</script>', total)\n    return total\n\n\n"
    "def network_params(sizes):\n    count = 0\n    for a, b in zip(sizes, sizes[1:]):\n"
    "        count += dense_params(a, b)\n    return count\n"
)


@pytest.fixture
def class_of_three(users):
    """Three students' latest count-parameters submissions: two alike, one different."""
    from accounts.models import User
    from exercises.models import Enrollment, Item, Submission

    item = Item.objects.get(slug="count-parameters")
    third = User.objects.create_user("student3", password="student3", first_name="Tredje")
    Enrollment.objects.create(course=item.assessment.course, user=third)
    texts = {
        "student": COPIED,
        "student2": COPIED.replace("count", "n").replace("total", "s"),
        "student3": "def dense_params(i, o):\n    return (i + 1) * o\n\n\ndef network_params(s):\n"
        "    return sum(dense_params(s[k], s[k + 1]) for k in range(len(s) - 1))\n",
    }
    subs = {}
    for name, text in texts.items():
        user = users.get(name) or third
        Submission.objects.create(
            user=user, item=item, item_version=item.current_version, text="x = 1\n", max_score=1, attempt=1
        )
        subs[name] = Submission.objects.create(
            user=user, item=item, item_version=item.current_version, text=text, max_score=1, attempt=2
        )
    return subs


def teacher_client(users) -> Client:
    client = Client()
    client.force_login(users["teacher"])
    return client


def test_the_ranked_list_puts_the_copied_pair_first(users, class_of_three):
    response = teacher_client(users).get("/dashboard/similarity/items/count-parameters/")
    assert response.status_code == 200
    rows = response.context["ranking"].pairs
    assert {rows[0].a.user.username, rows[0].b.user.username} == {"student", "student2"}
    assert rows[0].pair.score > 0.8
    assert response.context["ranking"].students == 3
    html = response.content.decode()
    assert f"/dashboard/similarity/items/count-parameters/pairs/{rows[0].a.pk}/{rows[0].b.pk}/" in html


def test_the_side_by_side_view_marks_the_shared_code_and_escapes_it(users, class_of_three):
    a, b = class_of_three["student"], class_of_three["student2"]
    response = teacher_client(users).get(f"/dashboard/similarity/items/count-parameters/pairs/{a.pk}/{b.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<mark>") >= 2
    assert re.search(r"<mark>[^<]*weights = n_in \* n_out[^<]*</mark>", html)


def test_a_teacher_marks_a_pair_and_the_log_keeps_every_mark(users, class_of_three):
    from integrity.models import PairMark

    a, b = class_of_three["student2"], class_of_three["student"]  # either order names the same pair
    client = teacher_client(users)
    url = f"/dashboard/similarity/items/count-parameters/pairs/{a.pk}/{b.pk}/"
    refused = client.post(url + "mark", {"verdict": "suspicious", "note": "  "})
    assert refused.status_code == 302 and not PairMark.objects.exists()
    client.post(url + "mark", {"verdict": "suspicious", "note": "Samma <ovanliga> print-rad."})
    client.post(url + "mark", {"verdict": "fine", "note": "Pratade med dem: de löste den ihop på övningen."})
    marks = list(PairMark.objects.order_by("at", "pk"))
    assert [m.verdict for m in marks] == ["suspicious", "fine"]
    assert marks[0].student_a == users["student"] and marks[0].student_b == users["student2"]
    assert marks[0].by == users["teacher"] and marks[0].score > 0.8
    assert marks[0].submission_a == class_of_three["student"]
    page = client.get(url).content.decode()
    assert "Samma &lt;ovanliga&gt; print-rad." in page and "Pratade med dem" in page
    # The submission page of either student shows the pair's log too.
    submission_page = client.get(f"/dashboard/submissions/{a.pk}/").content.decode()
    assert 'data-testid="similarity-marks"' in submission_page
    assert "Samma &lt;ovanliga&gt; print-rad." in submission_page
    assert "/dashboard/similarity/items/count-parameters/pairs/" in submission_page
    listing = client.get("/dashboard/similarity/items/count-parameters/")
    assert listing.context["ranking"].pairs[0].mark.verdict == "fine"
    # No automatic penalty: the scores are untouched.
    from exercises.models import ScoreChange

    assert not ScoreChange.objects.exists()


def test_marking_needs_the_csrf_token(users, class_of_three):
    from integrity.models import PairMark

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["teacher"])
    a, b = class_of_three["student"], class_of_three["student2"]
    url = f"/dashboard/similarity/items/count-parameters/pairs/{a.pk}/{b.pk}/mark"
    assert client.post(url, {"verdict": "fine", "note": ""}).status_code == 403
    assert not PairMark.objects.exists()


def test_outsiders_get_404_for_pairs_and_lists(users, class_of_three):
    from tests.dashboard_helpers import make_outsider_teacher

    a, b = class_of_three["student"], class_of_three["student2"]
    url = f"/dashboard/similarity/items/count-parameters/pairs/{a.pk}/{b.pk}/"
    for user in (users["student"], make_outsider_teacher()):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get("/dashboard/similarity/items/count-parameters/").status_code == 404
        assert client.post(url + "mark", {"verdict": "fine"}).status_code == 404
    teacher = teacher_client(users)
    same_student = class_of_three["student"].user.submissions.exclude(pk=a.pk).get()
    assert (
        teacher.get(f"/dashboard/similarity/items/count-parameters/pairs/{a.pk}/{same_student.pk}/").status_code == 404
    )
    assert teacher.get(f"/dashboard/similarity/items/build-network/pairs/{a.pk}/{b.pk}/").status_code == 404
    assert teacher.get("/dashboard/similarity/items/dense-params-numeric/").status_code == 404


def test_best_or_latest_submission_is_compared(users, class_of_three):
    from exercises.models import Submission

    Submission.objects.filter(text="x = 1\n").update(final_score=1)
    client = teacher_client(users)
    best = client.get("/dashboard/similarity/items/count-parameters/?use=best").context["ranking"]
    assert best.use == "best" and not best.pairs  # the first attempts, all "x = 1": too short for a fingerprint
    latest = client.get("/dashboard/similarity/items/count-parameters/").context["ranking"]
    assert latest.pairs and latest.pairs[0].pair.score > 0.8

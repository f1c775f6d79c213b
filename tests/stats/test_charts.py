"""Charts drawn as inline SVG: well-formed, one bar per value, every value written, small
counts and user-typed labels shown safely, ids unique on a page."""

import xml.etree.ElementTree as ET

from django.test import override_settings

from relais.stats.charts import svg
from relais.stats.figures import SUPPRESSED, Row, Table

NS = {"svg": "http://www.w3.org/2000/svg"}
PERIODS = ["Période", "Période précédente"]


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    """The words drawn on the chart (titles and descriptions aside)."""
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def channels() -> Table:
    return Table(
        "channel",
        "Demandes par canal",
        [
            Row("Courriel", [19, 12]),
            Row("En ligne", [1240, 980]),
            Row("Au guichet", [SUPPRESSED, 7]),
            Row("Par courrier", [None, 0]),
        ],
        PERIODS,
    )


def test_bar_chart_draws_one_bar_per_value_and_writes_every_value():
    root = parse(svg(channels()))
    now = root.findall(".//svg:rect[@class='bar bar-now']", NS)
    before = root.findall(".//svg:rect[@class='bar bar-before']", NS)
    # Courriel and En ligne this period; Courriel, En ligne and Au guichet before (0 draws nothing).
    assert len(now) == 2 and len(before) == 3
    drawn = texts(root)
    for value in ["19", "12", "1\xa0240", "980", "7", "0", "—"]:
        assert value in drawn
    # The longest bar is the largest value; the others are in proportion.
    widths = [float(rect.get("width").rstrip("%")) for rect in now]
    assert widths[1] > widths[0] and abs(widths[0] / widths[1] - 19 / 1240) < 0.01


def test_previous_period_is_an_outlined_light_bar_named_in_the_legend():
    root = parse(svg(channels()))
    before = root.find(".//svg:rect[@class='bar bar-before']", NS)
    now = root.find(".//svg:rect[@class='bar bar-now']", NS)
    assert before.get("stroke") and not now.get("stroke")
    assert float(before.get("height")) < float(now.get("height"))
    assert {"Période", "Période précédente"} <= set(texts(root))


def test_suppressed_value_says_moins_de_5_and_draws_no_bar():
    table = Table("t", "Titre", [Row("Au guichet", [SUPPRESSED, SUPPRESSED])], PERIODS)
    root = parse(svg(table))
    assert texts(root).count("moins de 5") == 2
    assert root.findall(".//svg:rect[@class='bar bar-now']", NS) == []


def test_text_alternative_names_the_largest_row_and_its_previous_value():
    root = parse(svg(channels()))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"svg:title[@id='{title_id}']", NS)
    desc = root.find(f"svg:desc[@id='{desc_id}']", NS)
    assert title.text == "Demandes par canal"
    assert desc.text.startswith("Plus fréquent : En ligne, 1\xa0240 (la période précédente : 980).")
    assert "Courriel, 19 (12)" in desc.text and "Au guichet, moins de 5 (7)" in desc.text


def test_labels_typed_by_people_are_escaped():
    table = Table("t", "Lieux <b>", [Row("<script>&", [12, 6])], PERIODS)
    markup = str(svg(table))
    assert "<script>" not in markup and "&lt;script&gt;&amp;" in markup
    root = parse(markup)
    assert "<script>&" in texts(root)
    assert root.find("svg:title", NS).text == "Lieux <b>"


def test_long_label_is_cut_on_the_chart_and_whole_in_its_tooltip():
    label = "Accompagnement à une démarche administrative en ligne pour la caisse d'allocations familiales"
    root = parse(svg(Table("t", "Titre", [Row(label, [8, 9])], PERIODS)))
    drawn = texts(root)
    assert label not in drawn and any(text.endswith("…") for text in drawn)
    row = root.find(".//svg:g[@class='row']", NS)
    assert row.find("svg:title", NS).text.startswith(label)


def test_two_charts_on_one_page_have_no_id_in_common():
    table = channels()
    first, second = svg(table, id_prefix="mediation-channel"), svg(table, id_prefix="demandes-channel")
    page = parse(f'<div xmlns:svg="http://www.w3.org/2000/svg">{first}{second}</div>')
    ids = [element.get("id") for element in page.iter() if element.get("id")]
    assert len(ids) == 4 and len(set(ids)) == 4
    # Each chart's label points at its own title and description.
    for chart in page:
        own = {element.get("id") for element in chart.iter() if element.get("id")}
        assert set(chart.get("aria-labelledby").split()) == own


def test_default_ids_come_from_the_table_slug():
    root = parse(svg(channels()))
    assert root.get("aria-labelledby") == "chart-channel-title chart-channel-desc"


def test_table_without_chart_or_without_values_draws_nothing():
    table = channels()
    table.chart = ""
    assert svg(table) == ""
    assert svg(Table("t", "Titre", [], PERIODS)) == ""


def test_a_row_missing_its_previous_value_is_drawn_with_a_dash():
    table = Table("t", "Titre", [Row("Courriel", [19, 12]), Row("Par courrier", [8])], PERIODS)
    root = parse(svg(table))
    assert len(root.findall(".//svg:rect[@class='bar bar-now']", NS)) == 2
    assert len(root.findall(".//svg:rect[@class='bar bar-before']", NS)) == 1
    assert "—" in texts(root)


def test_bars_take_the_town_colour_unless_it_is_too_pale_against_white():
    def fill():
        return parse(svg(channels())).find(".//svg:rect[@class='bar bar-now']", NS).get("fill")

    with override_settings(RELAIS={"PRIMARY_COLOR": "#6a1b9a"}):
        assert fill() == "#6a1b9a"
    with override_settings(RELAIS={"PRIMARY_COLOR": "#ffee00"}):
        assert fill() == "#1d4e89"


def heat() -> Table:
    return Table(
        "heatmap",
        "Visites par jour et par heure",
        [Row("lundi", [0, 7, SUPPRESSED]), Row("mardi", [12, 40, 9])],
        ["9 h", "10 h", "11 h"],
        chart="heatmap",
    )


def test_heatmap_writes_the_number_in_every_cell_and_marks_small_ones():
    root = parse(svg(heat(), id_prefix="frequentation-heatmap"))
    cells = root.findall(".//svg:g[@class='cell']", NS)
    assert len(cells) == 6
    written = ["".join(cell.find("svg:text", NS).itertext()) for cell in cells]
    assert written == ["0", "7", "<5", "12", "40", "9"]
    assert cells[2].find("svg:title", NS).text == "lundi, 11 h : moins de 5"
    assert cells[2].find("svg:rect", NS).get("stroke-dasharray")
    desc = root.find("svg:desc", NS).text
    assert desc.startswith("Case la plus forte : mardi, 10 h, 40.") and "Une case compte moins de 5." in desc


def test_heatmap_shades_darker_for_larger_numbers():
    root = parse(svg(heat()))
    fills = [cell.find("svg:rect", NS).get("fill") for cell in root.findall(".//svg:g[@class='cell']", NS)]

    def lightness(colour):
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    # 7 < 12 < 40 (lundi 10 h, mardi 9 h, mardi 10 h): darker and darker, the largest white-on-dark.
    assert lightness(fills[1]) > lightness(fills[3]) > lightness(fills[4])
    largest = root.findall(".//svg:g[@class='cell']", NS)[4].find("svg:text", NS)
    assert largest.get("fill") == "#ffffff"

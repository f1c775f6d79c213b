"""What may leave the staff area: `published()` hides counts from 1 to 4, and in tables
whose cells add up, a second cell whenever only one was hidden in a line."""

from __future__ import annotations

from relais.stats.figures import COUNT, PERCENT, SUPPRESSED, Figure, Row, Section, Table, published

S = SUPPRESSED


def section(*, figures=(), tables=()) -> Section:
    return Section("test", "Essai", list(figures), list(tables))


def table(values: list[list], *, additive=True, chart="bars", unit=COUNT, total=None) -> Table:
    rows = [Row(f"Ligne {i}", list(v), code=str(i)) for i, v in enumerate(values)]
    total_row = Row("Total", total) if total is not None else None
    return Table("t", "Tableau", rows, ["Période", "Période précédente"][: len(values[0])], unit, additive, chart,
                 total=total_row)  # fmt: skip


def published_values(t: Table) -> list[list]:
    return [row.values for row in published(section(tables=[t])).tables[0].rows]


def test_counts_from_1_to_4_become_moins_de_5_and_0_and_5_stay():
    figures = [Figure(f"f{n}", f"Figure {n}", n, n) for n in (0, 1, 4, 5, 120)]
    out = published(section(figures=figures)).figures
    assert [(f.value, f.previous) for f in out] == [(0, 0), (S, S), (S, S), (5, 5), (120, 120)]
    assert str(out[1].value) == "moins de 5"


def test_the_original_section_is_left_as_it_was():
    original = section(figures=[Figure("f", "F", 3, 2)], tables=[table([[3], [9]])])
    published(original)
    assert (original.figures[0].value, original.tables[0].rows[0].values) == (3, [3])


def test_one_small_cell_in_an_additive_column_hides_the_smallest_other_cell():
    # 10 + 3 + 7 + 0 = 20: with 3 hidden and the total known, 20 - 10 - 0 - 7 would give it back.
    assert published_values(table([[10], [3], [7], [0]])) == [[10], [S], [S], [0]]


def test_two_small_cells_in_an_additive_column_need_no_other():
    assert published_values(table([[10], [3], [2], [8]])) == [[10], [S], [S], [8]]


def test_each_column_of_a_comparison_is_suppressed_on_its_own():
    # The period's column has one small cell (hide 20 too); the previous one has none.
    assert published_values(table([[3, 10], [20, 30], [40, 50]])) == [[S, 10], [S, 30], [40, 50]]


def test_a_non_additive_table_hides_only_the_small_counts():
    # Themes: a record may have several, the cells do not add up to a total.
    assert published_values(table([[10], [3], [7]], additive=False)) == [[10], [S], [7]]


def test_a_heat_map_is_suppressed_along_its_rows():
    grid = [[10, 3, 8], [12, 4, 9]]
    # Each hour column already has two hidden cells; each weekday row had one, so its
    # smallest other cell goes too.
    assert published_values(table(grid, chart="heatmap")) == [[10, S, S], [12, S, S]]


def test_a_heat_map_is_suppressed_along_its_columns_then_rows_again():
    grid = [[10, 20], [3, 30], [7, 40]]
    # Column 0: 3 hidden, then 7 (the smallest other); rows 1 and 2 then have one hidden
    # cell each, so 30 and 40 go; column 1 then has two hidden cells and stays so.
    assert published_values(table(grid, chart="heatmap")) == [[10, 20], [S, S], [S, S]]


def test_no_line_of_a_published_heat_map_gives_a_hidden_cell_back_by_subtraction():
    grid = [[10, 3, 8, 0], [6, 9, 7, 0], [0, 0, 0, 0], [15, 1, 20, 2]]
    out = published_values(table(grid, chart="heatmap"))
    lines = out + [list(column) for column in zip(*out, strict=True)]
    for line in lines:
        # A lone hidden cell is only allowed when the rest of its line is empty: its total
        # is then the cell itself, below 5, and hidden as well.
        if sum(v is S for v in line) == 1:
            assert all(v is S or v == 0 for v in line), line
    assert out == [[S, S, S, 0], [S, 9, S, 0], [0, 0, 0, 0], [15, S, 20, S]]


def test_the_total_row_hides_only_its_own_small_counts():
    t = table([[10, 2], [6, 1]], total=[16, 3])
    out = published(section(tables=[t])).tables[0]
    assert out.total.values == [16, S]


def test_a_table_of_shares_is_left_as_the_selector_made_it():
    assert published_values(table([[2.5], [97.5]], unit=PERCENT)) == [[2.5], [97.5]]


def test_a_ratio_on_fewer_than_5_records_is_hidden():
    figures = [
        Figure("rate", "Part", 25.0, 50.0, PERCENT, base=4, base_previous=6),
        Figure("rate2", "Part", 20.0, 0.0, PERCENT, base=5, base_previous=3),
        Figure("rate3", "Part", None, None, PERCENT, base=0, base_previous=0),
    ]
    out = published(section(figures=figures)).figures
    assert [(f.value, f.previous) for f in out] == [(S, 50.0), (20.0, S), (None, None)]


def test_a_share_whose_count_on_top_is_small_is_hidden_even_on_a_large_base():
    from relais.stats.build import ratio_figure

    # 1 no-show out of 10 appointments: "10 %" would give the 1 back.
    figure = ratio_figure("noshow_rate", "Part des rendez-vous manqués", 1, 10, 6, 20)
    shown = published(Section("s", "S", figures=[figure])).figures[0]
    assert shown.value is SUPPRESSED
    assert shown.previous == 30.0


def test_a_figure_that_repeats_a_hidden_cell_or_leaves_a_small_rest_is_hidden():
    from relais.stats.build import link, ratio_figure

    # Online alone 6, online with help 2, counter 30: the table hides 2 and 6; the figure
    # "online alone" must go too, or 38 - 6 - 30 gives the 2 back.
    channel = Table(
        "channel",
        "Canal",
        [Row("Seul", [6, 0], "online_alone"), Row("Aidé", [2, 0], "online_helped"), Row("Guichet", [30, 0], "counter")],
        ["Période", "Période précédente"],
    )
    section = Section(
        "demandes",
        "Demandes",
        figures=[
            Figure("received", "Reçues", 38, 0),
            Figure("online_alone", "Seul", 6, 0),
            Figure("answered", "Répondues", 36, 0),
            ratio_figure("answered_rate", "Part", 36, 38, 0, 0),
        ],
        tables=[channel],
    )
    link(section, cells={"online_alone": ("channel", "online_alone")}, parts={"answered": "received"})
    shown = {f.slug: f.value for f in published(section).figures}
    assert shown["received"] == 38
    assert shown["online_alone"] is SUPPRESSED
    # 38 received, 36 answered: the 2 unanswered would show through.
    assert shown["answered"] is SUPPRESSED
    assert shown["answered_rate"] is SUPPRESSED


def test_a_total_whose_parts_are_shown_elsewhere_goes_when_one_part_is_hidden():
    from relais.stats.build import link

    sources = Table(
        "source", "Sources", [Row("A", [30, 0], "a"), Row("B", [2, 0], "b"), Row("C", [6, 0], "c")], ["P", "PP"]
    )
    section = link(
        Section("f", "F", figures=[Figure("visits", "Visites", 38, 0)], tables=[sources]), totals={"visits": "source"}
    )
    assert published(section).figures[0].value is SUPPRESSED

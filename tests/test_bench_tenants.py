"""bench/tenants sizes its run at any scale: below some scale no customer without a backlog is
Greenhouse's, so the Greenhouse fresh-result figure is absent instead of the run dying."""

from bench.tenants.run import fresh_lines, plan


def test_a_small_scale_has_no_greenhouse_fresh_results():
    shape = plan(0.02, 0.25, 1.0, 2.0)

    assert shape.integrations == 20
    assert not any(shape.quiet_mix)
    assert shape.fresh_greenhouse == 0
    assert shape.greenhouse_sizes
    assert shape.fresh_count > 0


def test_the_quick_scale_still_has_greenhouse_fresh_results():
    shape = plan(0.1, 0.25, 1.0, 2.0)

    assert shape.quiet_mix.count(True) == 2
    assert shape.fresh_greenhouse == round(shape.fresh_count * 0.25)


def test_a_side_without_fresh_results_reports_them_as_absent():
    assert fresh_lines({}, [], [], [], 0.0) == [
        "    fresh results: absent (none of its customers is without a backlog)"
    ]


def test_a_side_with_fresh_results_reports_their_percentiles():
    lines = fresh_lines({1: "a"}, [0.1, 0.2], [0.05], [(10.0, 0.2)], 5.0)

    assert lines[0].startswith("    fresh results: 2 during the drain")
    assert "p99 200 ms" in lines[0]
    assert lines[1] == "    slowest fresh: 0.2 s at +5 s"

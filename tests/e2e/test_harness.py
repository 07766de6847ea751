"""Proves the browser harness: ipywidgets and bqplot render in JupyterLab, and a change made
in the browser reaches the kernel."""

from e2e.helpers import (
    DARK_THEME,
    cell_output_text,
    open_notebook,
    run_all_cells,
    run_cell,
    screenshot,
    set_theme,
    write_notebook,
)

WIDGET_CELL = """\
import bqplot as bq
import ipywidgets as widgets
import numpy as np

slider = widgets.IntSlider(value=3, min=0, max=10, description="n")
# The kernel writes back every value it receives: a round trip the browser can see.
echo = widgets.Label("kernel sees 3")
slider.observe(lambda change: setattr(echo, "value", f"kernel sees {change['new']}"), names="value")
x = np.linspace(0.0, 1.0, 21)
line = bq.Lines(x=x, y=x**2, scales={"x": bq.LinearScale(), "y": bq.LinearScale()})
fig = bq.Figure(marks=[line], title="harness", layout=widgets.Layout(width="500px", height="300px"))
widgets.VBox([slider, echo, fig])
"""

READ_CELL = 'print(f"value={slider.value}")'


def test_widgets_render_and_browser_changes_reach_the_kernel(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "harness.ipynb", [WIDGET_CELL, READ_CELL])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)

    # The ipywidgets lab extension rendered the slider with its initial value.
    slider = page.locator(".jupyter-widgets.widget-slider").first
    slider.wait_for(state="visible")
    assert slider.locator(".widget-readout").inner_text().strip() == "3"
    # The bqplot lab extension rendered the figure as SVG, including the line's path.
    figure_svg = page.locator(".bqplot.figure svg.svg-figure").first
    figure_svg.wait_for(state="visible")
    line_path = figure_svg.locator("path.line").first
    line_path.wait_for(state="attached")
    assert len(line_path.get_attribute("d") or "") > 20, "bqplot drew no line"
    assert cell_output_text(page, 1) == "value=3"

    # Two ArrowRight presses on the focused handle move the slider from 3 to 5 in the browser ...
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    handle.press("ArrowRight")
    page.wait_for_function(
        "el => el.innerText.trim() === '5'",
        arg=slider.locator(".widget-readout").element_handle(),
    )
    # ... the kernel receives it and answers (ipywidgets may deliver 4 first: it throttles
    # updates while one is unacknowledged, so wait for the last value) ...
    page.locator(".widget-label", has_text="kernel sees 5").wait_for(state="visible")
    # ... and code run afterwards sees it too.
    run_cell(page, 1)
    assert cell_output_text(page, 1) == "value=5"

    shot = screenshot(page, "harness-widgets")
    assert shot.stat().st_size > 10_000

    # The dark theme switches in place: the rendered widgets stay.
    set_theme(jupyter_server.base_url, DARK_THEME, page)
    assert page.evaluate("getComputedStyle(document.body).getPropertyValue('--jp-layout-color0')").strip() == "#111"
    assert slider.locator(".widget-readout").inner_text().strip() == "5"
    assert figure_svg.is_visible()
    screenshot(page, "harness-widgets-dark")

    assert page.console_errors == [], page.console_errors
